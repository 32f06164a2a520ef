import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';

/** What Dawn's Node binding (dawn.node) exports: a navigator.gpu factory and the WebGPU globals. */
interface DawnBinding {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/**
 * Give Node a `navigator.gpu` from Dawn's Node binding — the WebGPU implementation inside
 * Chromium, shipped as `dist/<platform>/dawn.node` by the npm package `webgpu` — so that
 * tfjs-backend-webgpu can run the shipped pipeline on a real GPU where no browser can be installed
 * (issue 13's GPU bench, scripts/gpu-bench/). Not a dependency of PapLens: `path` names the file.
 * Must run before '@tensorflow/tfjs-backend-webgpu' is imported (it registers only if a GPU is
 * there). Returns the adapter's description.
 */
export async function installDawnGpu(path: string, flags: string[] = []): Promise<string> {
  const dawn = createRequire(import.meta.url)(path) as DawnBinding;
  // GPUBufferUsage, GPUMapMode, GPUShaderStage … are globals in a browser; tfjs reads them so.
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(flags);
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu, hardwareConcurrency: availableParallelism() },
    configurable: true,
    writable: true,
  });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(`Dawn (${path}) found no WebGPU adapter`);
  const info = (adapter as GPUAdapter & { info?: Record<string, string> }).info ?? {};
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
}
