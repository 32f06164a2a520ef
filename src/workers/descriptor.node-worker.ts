// Node worker entry (worker_threads), used by tests and Node tools; the browser uses descriptor.worker.ts.
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import { createDescriptorApi } from './descriptor-api';
import { nodeEndpoint } from './node-endpoint';

if (!parentPort) throw new Error('descriptor.node-worker.ts must run inside a worker thread.');
expose(createDescriptorApi(), nodeEndpoint(parentPort));
