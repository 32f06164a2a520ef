/**
 * Child-process script for tests/wasm-threads.test.ts: the threaded build's binary is missing, so
 * setThreadedWasmBackend must report 0 and leave tfjs able to start the one-thread build.
 * Prints one JSON line.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setThreadedWasmBackend } from '../../src/cli/wasm-threads';

const dir = dirname(
  createRequire(import.meta.url).resolve(
    '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
  ),
);
const file = (name: string): string => join(dir, name);
setWasmPaths({
  'tfjs-backend-wasm.wasm': file('tfjs-backend-wasm.wasm'),
  'tfjs-backend-wasm-simd.wasm': file('tfjs-backend-wasm-simd.wasm'),
  'tfjs-backend-wasm-threaded-simd.wasm': file('no-such-threaded.wasm'),
});
const threaded = await setThreadedWasmBackend(2);
const plain = await tf.setBackend('wasm');
await tf.ready();
const y = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
console.log(
  JSON.stringify({
    threaded,
    plain,
    backend: tf.getBackend(),
    threads: getThreadsCount(),
    value: (await y.data())[0],
  }),
);
y.dispose();
