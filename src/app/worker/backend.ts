import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo, BackendName } from './protocol';
import { wasmThreadsGranted, wasmThreadsWanted } from './wasm-threads';

/** WebGPU first (fastest where it exists), then WebGL, then WASM (threads when isolated). */
export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm'];

/**
 * Software GPU emulations (SwiftShader, llvmpipe, WARP). Measured here on the CRIC field of the
 * e2e suite: WASM with threads ≈ 7 s, WebGL on SwiftShader ≈ 75 s, WebGPU on SwiftShader slower
 * still. So in automatic order a software adapter is passed over for WASM (and used only if WASM
 * fails); asking for it explicitly (?backend= or Diagnostics) still gets it.
 */
const SOFTWARE_GPU = /swiftshader|llvmpipe|softpipe|software|microsoft basic render|warp/i;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function describeWebGpu(): Promise<string> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return 'no WebGPU adapter';
  // adapter.info is newer than the bundled @webgpu/types.
  const info = (adapter as GPUAdapter & { info?: Record<string, string> }).info ?? {};
  const parts = [info.vendor, info.architecture, info.description, info.device].filter(Boolean);
  const fallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return `${parts.join(' ') || 'WebGPU adapter'}${fallback ? ' (software fallback)' : ''}`;
}

function describeWebGl(): string {
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } };
  const gl = backend.gpgpu?.gl;
  if (!gl) return 'WebGL';
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = ext
    ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)
    : gl.getParameter(gl.RENDERER);
  return `WebGL ${tf.env().getNumber('WEBGL_VERSION')} — ${String(renderer)}`;
}

/** A tiny op proves the backend really computes (some report success and fail on first use). */
async function smokeTest(): Promise<void> {
  const t = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(1)));
  const v = await t.data();
  t.dispose();
  if (v[0] !== 2 || v[1] !== 3) throw new Error('backend returned wrong values');
}

/**
 * Run `init` while this worker reports `cores` logical cores: tfjs sizes its pool from
 * navigator.hardwareConcurrency / 2 (Emscripten reads it when the module starts), which is the only
 * way to get more threads than that. The real value is back afterwards.
 */
async function withReportedCores<T>(cores: number | null, init: () => Promise<T>): Promise<T> {
  if (cores === null) return init();
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: cores, configurable: true });
  try {
    return await init();
  } finally {
    // The instance property shadowed the prototype's getter; deleting it restores the real count.
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/**
 * Initialise tfjs in this worker. `preferred` (from ?backend= or the Diagnostics panel) is tried
 * first; the rest of BACKEND_ORDER follows, so a missing GPU never stops the app. `tileWorkers`:
 * the segmentation tile workers WASM will get, which set its threads (`wasmThreadsWanted`).
 */
export async function initBackend(
  preferred: BackendName | null,
  wasmBase: string,
  tileWorkers: number,
): Promise<BackendInfo> {
  const t0 = performance.now();
  const isolated = self.crossOriginIsolated === true;
  setWasmPaths(wasmBase);
  const cores = navigator.hardwareConcurrency || 2;
  const asked = wasmThreadsWanted(isolated, cores, tileWorkers);
  setThreadsCount(asked);
  if (asked <= 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  // More threads than tfjs would grant: report twice as many cores while the backend starts.
  let reportCores = asked > wasmThreadsGranted(isolated, cores) ? 2 * asked : null;
  // The threaded build can fail where the plain one starts (its binary unreachable, a browser
  // without shared WebAssembly memory): then WASM is tried once more, on one thread.
  let wasmThreaded = asked > 1;
  const singleThreadWasm = (): boolean => {
    if (!wasmThreaded) return false;
    wasmThreaded = false;
    reportCores = null;
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setThreadsCount(1);
    return true;
  };

  const order = preferred
    ? [preferred, ...BACKEND_ORDER.filter((b) => b !== preferred)]
    : BACKEND_ORDER;
  const fallbacks: BackendInfo['fallbacks'] = [];
  const queue = [...order];
  const deferred: BackendName[] = [];
  let retrying = false;
  while (queue.length > 0) {
    const name = queue.shift()!;
    try {
      if (name === 'webgpu' && !(navigator as Navigator & { gpu?: GPU }).gpu) {
        fallbacks.push({ backend: name, reason: 'WebGPU is not available in this browser' });
      } else if (
        !(await (name === 'wasm'
          ? withReportedCores(reportCores, async () => {
              const ok = await tf.setBackend(name);
              if (ok) await tf.ready();
              return ok;
            })
          : tf.setBackend(name)))
      ) {
        const threaded = name === 'wasm' && wasmThreaded;
        fallbacks.push({
          backend: name,
          reason: `initialisation failed${threaded ? ' (threaded build; trying one thread)' : ''}`,
        });
        if (threaded && singleThreadWasm()) queue.unshift('wasm');
      } else {
        await tf.ready();
        await smokeTest();
        let adapter: string;
        // What the module really runs with, not what we asked for.
        const wasmThreads = name === 'wasm' ? getThreadsCount() : null;
        if (name === 'webgpu') adapter = await describeWebGpu();
        else if (name === 'webgl') adapter = describeWebGl();
        else if (name === 'wasm')
          adapter = `WebAssembly, ${wasmThreads !== null && wasmThreads > 1 ? `${wasmThreads} threads` : 'single thread'}${isolated ? '' : ' (page not cross-origin isolated)'}`;
        else adapter = 'plain JavaScript';
        const software = (name === 'webgpu' || name === 'webgl') && SOFTWARE_GPU.test(adapter);
        if (software && !retrying && name !== preferred) {
          fallbacks.push({
            backend: name,
            reason: `software GPU emulation (${adapter}); WASM is faster`,
          });
          deferred.push(name);
        } else {
          return {
            backend: name,
            adapter,
            fallbacks,
            crossOriginIsolated: isolated,
            wasmThreads,
            tfjsVersion: tf.version.tfjs,
            initMs: performance.now() - t0,
          };
        }
      }
    } catch (e) {
      const threaded = name === 'wasm' && wasmThreaded;
      fallbacks.push({
        backend: name,
        reason: `${errorText(e)}${threaded ? ' (threaded build; trying one thread)' : ''}`,
      });
      if (threaded && singleThreadWasm()) queue.unshift('wasm');
    }
    // Everything else failed: a slow software GPU beats no analysis at all.
    if (queue.length === 0 && deferred.length > 0 && !retrying) {
      retrying = true;
      queue.push(...deferred);
    }
  }
  return {
    backend: 'none',
    adapter: 'no tfjs backend could start',
    fallbacks,
    crossOriginIsolated: isolated,
    wasmThreads: null,
    tfjsVersion: tf.version.tfjs,
    initMs: performance.now() - t0,
  };
}

export function memoryInfo(): {
  numTensors: number;
  numBytes: number;
  numDataBuffers: number;
  unreliable: boolean;
} {
  const m = tf.memory() as tf.MemoryInfo & { unreliable?: boolean };
  return {
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    numDataBuffers: m.numDataBuffers,
    unreliable: Boolean(m.unreliable),
  };
}
