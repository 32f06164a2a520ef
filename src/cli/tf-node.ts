import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './errors';
import { installDawnGpu } from './tf-dawn';
import { setThreadedWasmBackend } from './wasm-threads';

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
 * options); it fails rather than fall back, so a figure is never mislabelled. On WASM,
 * `wasmThreads` XNNPACK threads (`PAPLENS_WASM_THREADS` wins; src/cli/wasm-threads.ts). The first
 * call's options hold for the process.
 */
export function initNodeTf(options: { wasmThreads?: number } = {}): Promise<string> {
  ready ??= (async () => {
    const wanted = process.env.PAPLENS_TF_BACKEND;
    if (wanted === 'webgpu') return initDawnWebGpu(process.env.PAPLENS_DAWN);
    // Read before the try: a bad PAPLENS_WASM_THREADS is an error, not a silent cpu fallback.
    const threads = wasmThreadsWanted(process.env, options.wasmThreads);
    if (wanted !== 'cpu') {
      try {
        const require = createRequire(import.meta.url);
        const wasmDir = dirname(
          require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
        );
        setWasmPaths(pathToFileURL(wasmDir + '/').href.replace('file://', ''));
        if (threads > 1 && (await setThreadedWasmBackend(threads)) > 0) return 'wasm';
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

/**
 * XNNPACK threads for the WASM backend in this process: PAPLENS_WASM_THREADS, else `fallback`
 * (default 1: analyses here usually run one per core, `analyze` on several files, or hand their
 * tiles to worker copies of the network, src/cli/seg-tile-workers.ts, which use the cores already).
 */
export function wasmThreadsWanted(env: NodeJS.ProcessEnv = process.env, fallback = 1): number {
  const v = env.PAPLENS_WASM_THREADS;
  if (v === undefined || v === '') return Math.max(1, Math.min(fallback, 8));
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`PAPLENS_WASM_THREADS must be 1 or more, got "${v}"`);
  return Math.min(n, 8);
}

/**
 * Threads for a process that runs one analysis at a time with no worker copies of the network
 * (`analyze` of one file, `eval-seg`): the network's passes then have the cores to themselves.
 */
export function threadsForOneAnalysis(): number {
  return Math.min(4, availableParallelism());
}

/** XNNPACK threads tfjs runs (1 unless the WASM backend started threaded). */
export function wasmThreadCount(): number {
  return tf.getBackend() === 'wasm' ? getThreadsCount() : 1;
}
