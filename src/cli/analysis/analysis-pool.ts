import { availableParallelism } from 'node:os';
import { transfer, wrap, type Remote } from 'comlink';
import type { Worker } from 'node:worker_threads';
import type { PipelineModels } from '../../core/analyze';
import type { AnalysisResult } from '../../core/types';
import { nodeEndpoint } from '../../workers/node-endpoint';
import { tsWorkerThread } from '../../workers/node-worker';
import { analyzeOne } from './analyze-one';
import type { CliAnalysisWorkerApi } from './worker-api';

/** Runs analyze() for the CLI: in this thread, or on one worker thread per core. */
export interface Analyzer {
  /** Same call as a worker thread's (worker-api.ts), in this thread or in a pool. */
  analyze: CliAnalysisWorkerApi['analyze'];
  /** How many images it analyses at once. */
  readonly parallel: number;
  dispose(): void;
}

/** Default number of analysis threads: one per core (tfjs WASM runs one thread each in Node). */
export function defaultJobs(files: number): number {
  return Math.max(1, Math.min(files, availableParallelism()));
}

export function inProcessAnalyzer(models: PipelineModels): Analyzer {
  return {
    parallel: 1,
    analyze: (image, mode, name, options) => analyzeOne(image, models, mode, name, options),
    dispose: () => undefined,
  };
}

interface Slot {
  worker: Worker;
  api: Remote<CliAnalysisWorkerApi>;
  /** Settles when the thread's init() does, or rejects when the thread dies first. */
  ready: Promise<void>;
  /** init() finished: the thread worked once, so a later death is the image's, not the setup's. */
  started: boolean;
  busy: boolean;
  /** Rejects the call in flight when the thread dies (Comlink would wait for ever). */
  onDeath: ((e: Error) => void) | null;
}

/** A thread running analysis.node-worker.ts (tests give a stand-in that crashes on demand). */
export type StartAnalysisThread = () => Worker;
const analysisThread: StartAnalysisThread = () =>
  tsWorkerThread(new URL('./analysis.node-worker.ts', import.meta.url));

/**
 * `jobs` worker threads, each with its own models; images are handed to whichever is free. A
 * thread that dies while analysing fails only the image it was on and is replaced. A thread that
 * cannot start (its init fails, or it dies first) is not replaced — a replacement would fail the
 * same way, for ever — and once no thread is left every image is refused with the reason.
 */
export function workerPoolAnalyzer(
  jobs: number,
  modelsDir: string | undefined,
  startThread: StartAnalysisThread = analysisThread,
): Analyzer {
  const slots: Slot[] = [];
  const waiting: { resolve: (s: Slot) => void; reject: (e: Error) => void }[] = [];
  let startFailure: string | null = null;
  let disposed = false;
  const noThreadLeft = (): Error =>
    new Error(`no analysis thread could start (${startFailure ?? 'the pool was closed'})`);
  /** Take a slot out of the pool; refuse the waiting images once none is left. */
  const remove = (slot: Slot): void => {
    const i = slots.indexOf(slot);
    if (i < 0) return;
    slots.splice(i, 1);
    void slot.worker.terminate();
    if (slots.length === 0) for (const w of waiting.splice(0)) w.reject(noThreadLeft());
  };
  const start = (): Slot => {
    const worker = startThread();
    const api = wrap<CliAnalysisWorkerApi>(nodeEndpoint(worker));
    let deathDuringInit: ((e: Error) => void) | null = null;
    const slot: Slot = {
      worker,
      api,
      ready: new Promise<void>((resolve, reject) => {
        deathDuringInit = reject;
        api.init(modelsDir).then(resolve, reject);
      }),
      started: false,
      busy: false,
      onDeath: null,
    };
    slot.ready.then(
      () => {
        slot.started = true;
      },
      (e: Error) => {
        // Observed here, so no unhandled rejection ends the process; the image waiting on it
        // (if any) gets the same error.
        startFailure ??= e.message;
        remove(slot);
        dispatch();
      },
    );
    const died = (why: string): void => {
      const error = new Error(`the analysis thread stopped (${why})`);
      slot.onDeath?.(error);
      if (!slot.started) return deathDuringInit?.(error); // rejects `ready`: removed above
      const i = slots.indexOf(slot);
      if (i >= 0 && !disposed) {
        slots[i] = start();
        dispatch();
      }
    };
    worker.on('error', (e: Error) => died(e.message));
    worker.on('exit', (code: number) => {
      if (code !== 0 && slots.includes(slot)) died(`exit code ${code}`);
    });
    return slot;
  };
  for (let i = 0; i < jobs; i++) slots.push(start());
  /** Hand free threads to waiting images. */
  const dispatch = (): void => {
    for (
      let free = slots.find((s) => !s.busy);
      free && waiting.length;
      free = slots.find((s) => !s.busy)
    ) {
      free.busy = true;
      waiting.shift()!.resolve(free);
    }
  };
  const acquire = (): Promise<Slot> =>
    new Promise((resolve, reject) => {
      if (slots.length === 0) return reject(noThreadLeft());
      waiting.push({ resolve, reject });
      dispatch();
    });
  const release = (slot: Slot): void => {
    slot.busy = false; // a dead slot is no longer in `slots`: its replacement is free already
    dispatch();
  };
  return {
    parallel: jobs,
    async analyze(image, mode, name, options) {
      const slot = await acquire();
      try {
        return await new Promise<AnalysisResult>((resolve, reject) => {
          // Set before waiting for init: a thread that dies during it must not hang the image.
          slot.onDeath = reject;
          slot.ready
            .then(() =>
              slot.api.analyze(
                transfer(image, [image.data.buffer as ArrayBuffer]),
                mode,
                name,
                options,
              ),
            )
            .then(resolve, reject);
        });
      } finally {
        slot.onDeath = null;
        release(slot);
      }
    },
    dispose() {
      disposed = true;
      for (const s of slots.splice(0)) void s.worker.terminate();
      for (const w of waiting.splice(0)) w.reject(noThreadLeft());
    },
  };
}
