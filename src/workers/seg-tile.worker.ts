/// <reference lib="webworker" />
// Browser entry of a segmentation tile worker (src/workers/seg-tiles.ts), a nested worker of the
// analysis worker; Node uses seg-tile.node-worker.ts.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { expose } from 'comlink';
import { createSegTileApi } from './seg-tile-api';

const BASE = new URL(import.meta.env.BASE_URL, self.location.origin).href;
let ready: Promise<void> | null = null;

expose(
  createSegTileApi(() => {
    ready ??= (async () => {
      // The plain SIMD build: the threaded one starts 8 pthread workers per instance, and the
      // tile workers are the parallelism here.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      setWasmPaths(new URL(`${__WASM_PATH__}/`, BASE).href);
      if (!(await tf.setBackend('wasm')))
        throw new Error('WebAssembly could not start in the segmentation tile worker');
      await tf.ready();
    })();
    return ready;
  }),
);
