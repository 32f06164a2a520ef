// Issue 13's GPU bench runs the `paplens` CLI in Node on a GPU machine without node_modules:
// WebGPU from Dawn's Node binding (src/cli/tf-dawn.ts) and worker entries bundled to .mjs
// (src/workers/node-worker.ts). No GPU here, so a stand-in binding checks the wiring; the real
// binding was run on SwiftShader and the GPU (docs/PERFORMANCE.md, *WebGPU on a real GPU*).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installDawnGpu } from '../src/cli/tf-dawn';
import { tsWorkerThread } from '../src/workers/node-worker';

const dir = mkdtempSync(join(tmpdir(), 'paplens-dawn-'));

/** A CommonJS module shaped like dawn.node: create(flags) → navigator.gpu, plus the globals. */
function fakeBinding(adapter: string): string {
  const path = join(dir, `dawn-${Math.random().toString(36).slice(2)}.cjs`);
  writeFileSync(
    path,
    `exports.globals = { GPUBufferUsage: { MAP_READ: 1 } };
     exports.create = (flags) => ({
       flags,
       requestAdapter: async () => (${adapter}),
     });`,
  );
  return path;
}

const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
afterEach(() => {
  if (saved) Object.defineProperty(globalThis, 'navigator', saved);
  else delete (globalThis as { navigator?: unknown }).navigator;
  delete (globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage;
});

describe('installDawnGpu', () => {
  it('gives Node a navigator.gpu and the WebGPU globals, and names the adapter', async () => {
    const path = fakeBinding(
      `{ info: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'H200' } }`,
    );
    await expect(installDawnGpu(path, ['backend=vulkan'])).resolves.toBe('nvidia hopper H200');
    const nav = (globalThis as unknown as { navigator: { gpu: { flags: string[] } } }).navigator;
    expect(nav.gpu.flags).toEqual(['backend=vulkan']);
    expect((globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage).toEqual({ MAP_READ: 1 });
  });

  it('fails with a clear message when Dawn finds no adapter (no silent fallback)', async () => {
    const path = fakeBinding('null');
    await expect(installDawnGpu(path)).rejects.toThrow(/found no WebGPU adapter/);
  });
});

describe('tsWorkerThread', () => {
  it('runs an entry already built to .mjs as is (no tsx in the bundle)', async () => {
    const entry = join(dir, 'echo.node-worker.mjs');
    writeFileSync(
      entry,
      "import { parentPort } from 'node:worker_threads'; parentPort.postMessage('built');",
    );
    const worker = tsWorkerThread(pathToFileURL(entry));
    const msg = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(msg).toBe('built');
    await worker.terminate();
  });
});
