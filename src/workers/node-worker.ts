import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { WorkerHandle } from './descriptor-pool';
import { nodeEndpoint } from './node-endpoint';

/**
 * A descriptor worker on node:worker_threads (TypeScript loaded through tsx), for Node tools and
 * tests: `createDescriptorPool({ vocabulary, createWorker: nodeDescriptorWorker })`.
 */
export function nodeDescriptorWorker(): WorkerHandle {
  return workerThreadHandle(
    tsWorkerThread(new URL('./descriptor.node-worker.ts', import.meta.url)),
  );
}

/** A worker thread holding a copy of the segmentation network (src/workers/seg-tiles.ts). */
export function nodeSegTileWorker(): WorkerHandle {
  return workerThreadHandle(tsWorkerThread(new URL('./seg-tile.node-worker.ts', import.meta.url)));
}

/**
 * A worker thread running a TypeScript entry module (worker threads do not inherit tsx's loader).
 * An entry already built to JavaScript (the self-contained bundle of scripts/gpu-bench/) runs as is.
 */
export function tsWorkerThread(entry: URL, options: WorkerOptions = {}): Worker {
  if (entry.pathname.endsWith('.mjs')) return new Worker(entry, options);
  const tsxApi = tsxEsmApiUrl();
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

/** URL of tsx's ESM register() API, read from tsx's package exports (require.resolve gives the CJS build). */
function tsxEsmApiUrl(): string {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import?: { default?: string } }>;
  };
  const rel = pkg.exports['./esm/api']?.import?.default;
  if (!rel)
    throw new Error('tsx does not expose tsx/esm/api; Node descriptor workers need tsx ≥ 4.');
  return pathToFileURL(join(dirname(pkgPath), rel)).href;
}

/** Wrap any worker_threads Worker speaking Comlink (exposed for tests of failure handling). */
export function workerThreadHandle(worker: Worker): WorkerHandle {
  let terminated = false;
  return {
    endpoint: nodeEndpoint(worker),
    onFailure(cb) {
      worker.on('error', (e: Error) => cb(e.message));
      worker.on('messageerror', () => cb('a message from the worker could not be decoded'));
      worker.on('exit', (code: number) => {
        if (!terminated) cb(`the worker exited with code ${code}`);
      });
    },
    terminate() {
      terminated = true;
      void worker.terminate();
    },
  };
}
