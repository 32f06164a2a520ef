// Fuzz worker: decodes cases [from, to) of one format and reports each outcome. The parent
// (harness.ts) times every case and terminates this thread when one overruns.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeImage, ImageDecodeError, MIN_SIDE } from '../../../src/core/image/decode';
import { isClear } from './clear';
import { fuzzCase } from './mutate';
import type { FuzzFormat } from './seeds';
import type { CaseOutcome, WorkerMessage } from './harness';

const { format, runSeed, from, to } = workerData as {
  format: FuzzFormat;
  runSeed: number;
  from: number;
  to: number;
};
const port = parentPort!;
const post = (m: WorkerMessage): void => port.postMessage(m);

for (let i = from; i < to; i++) {
  const c = fuzzCase(format, runSeed, i);
  post({ type: 'start', index: i });
  const t0 = performance.now();
  let outcome: CaseOutcome;
  try {
    const img = await decodeImage(c.bytes);
    const ok =
      img.width >= MIN_SIDE &&
      img.height >= MIN_SIDE &&
      img.data.length === img.width * img.height * 4;
    outcome = ok
      ? { kind: 'image' }
      : { kind: 'bad-image', message: `${img.width}×${img.height}, ${img.data.length} bytes` };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    outcome =
      e instanceof ImageDecodeError && isClear(message)
        ? { kind: 'clear-error' }
        : {
            kind: 'unclear-error',
            message: `${e instanceof Error ? e.name : typeof e}: ${message}`,
          };
  }
  post({ type: 'end', index: i, ms: performance.now() - t0, outcome });
}
