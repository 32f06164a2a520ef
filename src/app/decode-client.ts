import { DecodeWatchdog } from '../workers/decode/watchdog';
import type { DecodeMessage, DecodeWorkerHandle } from '../workers/decode/protocol';

/**
 * The browser's decode worker. Decoding has its own worker (not the analysis worker) so a file
 * that takes too long is stopped by terminating it, while the analysis engine and its loaded
 * models stay untouched and the next image goes on at once (issue 15).
 */
function browserDecodeWorker(): DecodeWorkerHandle {
  const worker = new Worker(new URL('../workers/decode/decode.worker.ts', import.meta.url), {
    type: 'module',
    name: 'paplens-decode',
  });
  return {
    post: (req) => worker.postMessage(req, [req.bytes]),
    onReply: (cb) =>
      worker.addEventListener('message', (ev: MessageEvent<DecodeMessage>) => cb(ev.data)),
    onFailure: (cb) => {
      worker.addEventListener('error', (ev: ErrorEvent) => {
        ev.preventDefault();
        cb(ev.message || 'the decode worker failed');
      });
      worker.addEventListener('messageerror', () => cb('a decoded image could not be received'));
    },
    terminate: () => worker.terminate(),
  };
}

export const decoder = new DecodeWatchdog(browserDecodeWorker);
