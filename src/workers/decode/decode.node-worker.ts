// Node decode worker (worker_threads); the browser uses decode.worker.ts.
import { parentPort } from 'node:worker_threads';
import { handleDecodeRequest } from './handle-request';
import type { DecodeRequest, DecodeStarted } from './protocol';

if (!parentPort) throw new Error('decode.node-worker.ts must run inside a worker thread.');
const port = parentPort;
port.on('message', (req: DecodeRequest) => {
  port.postMessage({ id: req.id, started: true } satisfies DecodeStarted);
  void handleDecodeRequest(req).then(({ reply, transfer }) => port.postMessage(reply, transfer));
});
