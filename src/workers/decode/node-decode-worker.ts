import { tsWorkerThread } from '../node-worker';
import type { DecodeMessage, DecodeWorkerHandle } from './protocol';

/**
 * A decode worker on node:worker_threads for the CLI and tests. Its JS heap is capped so a file
 * that makes a decoder allocate without end kills the worker (a clear message), not the process.
 */
export function nodeDecodeWorker(maxHeapMb = 1024): DecodeWorkerHandle {
  const worker = tsWorkerThread(new URL('./decode.node-worker.ts', import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
  });
  worker.unref(); // an idle decode worker must not keep the CLI alive
  let terminated = false;
  return {
    post(req) {
      worker.postMessage(req, [req.bytes]);
    },
    onReply(cb) {
      worker.on('message', (m: DecodeMessage) => cb(m));
    },
    onFailure(cb) {
      worker.on('error', (e: Error) => cb(e.message));
      worker.on('exit', (code: number) => {
        if (!terminated) cb(`the decode worker exited with code ${code}`);
      });
    },
    terminate() {
      terminated = true;
      void worker.terminate();
    },
  };
}
