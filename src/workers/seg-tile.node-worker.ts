// Node worker entry (worker_threads) for a second copy of the segmentation network.
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import { initNodeTf } from '../cli/tf-node';
import { nodeEndpoint } from './node-endpoint';
import { createSegTileApi } from './seg-tile-api';

if (!parentPort) throw new Error('seg-tile.node-worker.ts must run inside a worker thread.');
expose(createSegTileApi(initNodeTf), nodeEndpoint(parentPort));
