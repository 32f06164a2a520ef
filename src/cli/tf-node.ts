import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

let ready: Promise<string> | null = null;

/**
 * Initialise tfjs in Node: the WASM backend (same kernels as the browser fallback, far faster
 * than pure-JS cpu), else cpu. `PAPLENS_TF_BACKEND=cpu|wasm` forces one.
 */
export function initNodeTf(): Promise<string> {
  ready ??= (async () => {
    const wanted = process.env.PAPLENS_TF_BACKEND;
    if (wanted !== 'cpu') {
      try {
        const require = createRequire(import.meta.url);
        const wasmDir = dirname(
          require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
        );
        setWasmPaths(pathToFileURL(wasmDir + '/').href.replace('file://', ''));
        if (await tf.setBackend('wasm')) {
          await tf.ready();
          return 'wasm';
        }
      } catch {
        // fall through to cpu
      }
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return 'cpu';
  })();
  return ready;
}
