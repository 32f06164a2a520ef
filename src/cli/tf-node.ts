import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installDawnGpu } from './tf-dawn';

let ready: Promise<string> | null = null;

async function initDawnWebGpu(dawn: string | undefined): Promise<string> {
  if (!dawn)
    throw new Error('PAPLENS_TF_BACKEND=webgpu needs PAPLENS_DAWN (the path of dawn.node)');
  const flags = process.env.PAPLENS_DAWN_FLAGS?.split(',').filter(Boolean) ?? [];
  const adapter = await installDawnGpu(dawn, flags);
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu')))
    throw new Error(`tfjs could not start WebGPU on ${adapter}`);
  await tf.ready();
  return `webgpu (${adapter})`;
}

/**
 * Initialise tfjs in Node: the WASM backend (same kernels as the browser fallback, far faster
 * than pure-JS cpu), else cpu. `PAPLENS_TF_BACKEND=cpu|wasm` forces one;
 * `PAPLENS_TF_BACKEND=webgpu PAPLENS_DAWN=/path/to/dawn.node` runs on a real GPU through Dawn
 * (the GPU bench, scripts/gpu-bench/; `PAPLENS_DAWN_FLAGS=backend=vulkan,…` passes Dawn's own
 * options); it fails rather than fall back, so a figure is never mislabelled.
 */
export function initNodeTf(): Promise<string> {
  ready ??= (async () => {
    const wanted = process.env.PAPLENS_TF_BACKEND;
    if (wanted === 'webgpu') return initDawnWebGpu(process.env.PAPLENS_DAWN);
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
