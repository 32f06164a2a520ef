import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import workerThreads from 'node:worker_threads';
import { dirname, join } from 'node:path';

/**
 * tfjs's multi-threaded WASM build in Node (issue 13). tfjs turns it off there
 * (WASM_HAS_MULTITHREAD_SUPPORT is false in Node, tensorflow/tfjs#3830) because its glue hands the
 * pthread workers their scripts as Blob URLs, which Node's worker_threads cannot load. The build
 * itself runs in Node: only the two scripts have to be files. So, while the backend starts:
 * - the worker script (shipped by tfjs as a string) is written to a temporary folder, with one
 *   line added that makes it load the threaded build's own glue file from node_modules;
 * - `URL.createObjectURL` hands out that file's path instead of a Blob URL;
 * - `os.cpus()` reports 2 × `threads` cores, because tfjs caps its pool at half the logical
 *   cores (it assumes two hardware threads per core), which leaves one thread on a 2-core machine;
 * - the workers the glue creates are recorded: started, they are `unref`'d (the pool's threads wait
 *   for work forever and would keep the process from exiting); after a failed start, terminated.
 * Everything is restored before this returns, and the folder is removed. Returns the thread count
 * tfjs runs, or 0 when the threaded build did not start: tfjs can then start the one-thread build
 * (tests/wasm-threads.test.ts checks both, in child processes). Written against
 * tfjs-backend-wasm 4.22's glue (package-lock pins it); an error raised inside a pool worker is
 * thrown by that glue, not returned.
 */
export async function setThreadedWasmBackend(threads: number): Promise<number> {
  const require = createRequire(import.meta.url);
  const wasmOut = join(
    dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')),
    '..',
    'wasm-out',
  );
  const glueFile = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const workerModule = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js');
  if (!existsSync(glueFile) || !existsSync(workerModule)) return 0;
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  const NodeWorker = workerThreads.Worker;
  const made: InstanceType<typeof NodeWorker>[] = [];
  class Recorded extends NodeWorker {
    constructor(...args: ConstructorParameters<typeof NodeWorker>) {
      super(...args);
      made.push(this);
    }
  }
  let dir: string | null = null;
  let started = false;
  try {
    // Its template literal turned the source's "\n" escapes into newlines (tfjs escapes them too).
    const workerSource = (
      require(workerModule) as { wasmWorkerContents: string }
    ).wasmWorkerContents.replace(/\n/g, '\\n');
    dir = mkdtempSync(join(os.tmpdir(), 'paplens-wasm-'));
    const workerFile = join(dir, 'worker.js');
    // In the worker, the glue arrives as a Blob too (mainScriptUrlOrBlob): read the file instead.
    writeFileSync(
      workerFile,
      `${workerSource};URL.createObjectURL=()=>${JSON.stringify(glueFile)};URL.revokeObjectURL=()=>{};`,
    );
    URL.createObjectURL = () => workerFile;
    os.cpus = () => {
      const real = cpus();
      return Array.from(
        { length: Math.max(real.length, 2 * threads) },
        (_, i) => real[i % real.length],
      );
    };
    workerThreads.Worker = Recorded;
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) return 0;
    await tf.ready();
    started = true;
    return getThreadsCount();
  } catch {
    return 0;
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    workerThreads.Worker = NodeWorker;
    // The glue copied it to the global `Worker` it creates its threads with.
    const g = globalThis as { Worker?: unknown };
    if (g.Worker === Recorded) g.Worker = NodeWorker;
    for (const w of made) {
      if (started) w.unref();
      else void w.terminate();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    // Not tf.getBackend() here: with no backend set it would start one, threaded, unpatched.
    if (!started) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
}
