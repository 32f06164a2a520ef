import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
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
 *   cores (it assumes two hardware threads per core), which leaves one thread on a 2-core machine.
 * Everything is restored before this returns; the pool's workers are started by then, and the
 * folder is removed. Returns the thread count tfjs runs, or 0 when the threaded build did not start
 * (the caller then starts the one-thread build). Written against tfjs-backend-wasm 4.22's glue
 * (package-lock pins it): an error inside a pool worker is thrown by that glue, not returned;
 * tests/wasm-threads.test.ts runs the real CLI on it.
 */
interface PThreadGlue {
  runningWorkers: { unref?(): void }[];
}

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
  const createObjectURL = URL.createObjectURL.bind(URL);
  const cpus = os.cpus;
  let dir: string | null = null;
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
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) return 0;
    await tf.ready();
    // The pool's threads wait for work forever, and Emscripten keeps a running thread's worker
    // referenced: the process would never exit. They hold nothing that must finish.
    const runtime = (tf.backend() as unknown as { wasm?: { PThread?: PThreadGlue } }).wasm;
    for (const w of runtime?.PThread?.runningWorkers ?? []) w.unref?.();
    return getThreadsCount();
  } catch {
    return 0;
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (tf.getBackend() !== 'wasm') tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
}
