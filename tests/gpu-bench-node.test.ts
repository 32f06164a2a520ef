// Issue 13's GPU bench runs the `paplens` CLI in Node on a GPU machine without node_modules:
// WebGPU from Dawn's Node binding (src/cli/tf-dawn.ts) and worker entries bundled to .mjs
// (src/workers/node-worker.ts). No GPU here, so a stand-in binding checks the wiring; the real
// binding was run on SwiftShader and the GPU (docs/PERFORMANCE.md, *WebGPU on a real GPU*).
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { encode as encodePng } from 'fast-png';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { syntheticCellImage } from '../src/cli/bench-inputs';
import { installDawnGpu } from '../src/cli/tf-dawn';
import { REPO_ROOT } from '../src/data/paths';
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

// The bundle the GPU machine runs (scripts/gpu-bench/build.ts): built from today's sources, it
// still starts, finds the shipped models and its worker entries (decode, LBP/SURF), and analyses.
const shippedModels = existsSync(join(REPO_ROOT, 'public', 'models', 'seg', 'model.json'));
describe.skipIf(!shippedModels)('the self-contained CLI bundle', () => {
  it('analyses an image with the shipped models, its workers built to .mjs', () => {
    const out = join(REPO_ROOT, '.devdata', 'gpu-bench-smoke');
    execFileSync('npx', ['tsx', 'scripts/gpu-bench/build.ts', '--bundle-only', '--out', out], {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    });
    const png = join(dir, 'cell.png');
    const cell = syntheticCellImage();
    writeFileSync(png, encodePng({ width: cell.width, height: cell.height, data: cell.data }));
    const json = join(dir, 'cell.json');
    // Pure-JS cpu backend: the bundle carries no .wasm files (a GPU machine uses WebGPU).
    execFileSync(process.execPath, [join(out, 'paplens.mjs'), 'analyze', png, '--json', json], {
      env: { ...process.env, PAPLENS_TF_BACKEND: 'cpu' },
      stdio: 'pipe',
    });
    const r = JSON.parse(readFileSync(json, 'utf8')) as {
      images: { mode: string; nuclei: { label: string }[] }[];
    };
    expect(r.images[0].mode).toBe('cell');
    expect(r.images[0].nuclei.length).toBeGreaterThan(0);
  }, 240_000);
});
