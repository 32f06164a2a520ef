import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo, BackendName } from './protocol';

/** WebGPU first (fastest where it exists), then WebGL, then WASM (threads when isolated). */
export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm'];

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function describeWebGpu(): Promise<string> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = await gpu?.requestAdapter();
  if (!adapter) return 'WebGPU adapter';
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
 * Initialise tfjs in this worker. `preferred` (from ?backend= or the Diagnostics panel) is tried
 * first; the rest of BACKEND_ORDER follows, so a missing GPU never stops the app.
 */
export async function initBackend(
  preferred: BackendName | null,
  wasmBase: string,
): Promise<BackendInfo> {
  const t0 = performance.now();
  const isolated = self.crossOriginIsolated === true;
  setWasmPaths(wasmBase);
  const threads = isolated ? Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)) : 1;
  setThreadsCount(threads);

  const order = preferred
    ? [preferred, ...BACKEND_ORDER.filter((b) => b !== preferred)]
    : BACKEND_ORDER;
  const fallbacks: BackendInfo['fallbacks'] = [];
  for (const name of order) {
    try {
      if (name === 'webgpu' && !(navigator as Navigator & { gpu?: GPU }).gpu) {
        fallbacks.push({ backend: name, reason: 'WebGPU is not available in this browser' });
        continue;
      }
      const ok = await tf.setBackend(name);
      if (!ok) {
        fallbacks.push({ backend: name, reason: 'initialisation failed' });
        continue;
      }
      await tf.ready();
      await smokeTest();
      let adapter: string;
      if (name === 'webgpu') adapter = await describeWebGpu();
      else if (name === 'webgl') adapter = describeWebGl();
      else if (name === 'wasm')
        adapter = `WebAssembly, ${threads > 1 ? `${threads} threads` : 'single thread'}${isolated ? '' : ' (page not cross-origin isolated)'}`;
      else adapter = 'plain JavaScript';
      return {
        backend: name,
        adapter,
        fallbacks,
        crossOriginIsolated: isolated,
        wasmThreads: name === 'wasm' ? threads : null,
        tfjsVersion: tf.version.tfjs,
        initMs: performance.now() - t0,
      };
    } catch (e) {
      fallbacks.push({ backend: name, reason: errorText(e) });
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
