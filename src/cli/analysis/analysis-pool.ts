import { availableParallelism } from 'node:os';
import { transfer, wrap, type Remote } from 'comlink';
import type { Worker } from 'node:worker_threads';
import type { PipelineModels } from '../../core/analyze';
import type { AnalysisResult } from '../../core/types';
import { nodeEndpoint } from '../../workers/node-endpoint';
import { tsWorkerThread } from '../../workers/node-worker';
import { analyzeOne } from './analyze-one';
import type { CliAnalysisWorkerApi } from './worker-api';

/** Runs analyze() for the CLI: in this thread, or on one worker thread per core. */
export interface Analyzer {
  /** Same call as a worker thread's (worker-api.ts), in this thread or in a pool. */
  analyze: CliAnalysisWorkerApi['analyze'];
  /** How many images it analyses at once. */
  readonly parallel: number;
  dispose(): void;
}

/** Default number of analysis threads: one per core (tfjs WASM runs one thread each in Node). */
export function defaultJobs(files: number): number {
  return Math.max(1, Math.min(files, availableParallelism()));
}

export function inProcessAnalyzer(models: PipelineModels): Analyzer {
  return {
    parallel: 1,
    analyze: (image, mode, name, options) => analyzeOne(image, models, mode, name, options),
    dispose: () => undefined,
  };
}

interface Slot {
  worker: Worker;
  api: Remote<CliAnalysisWorkerApi>;
  ready: Promise<void>;
  busy: boolean;
  /** Rejects the call in flight when the thread dies (Comlink would wait for ever). */
  onDeath: ((e: Error) => void) | null;
}

/**
 * `jobs` worker threads, each with its own models; images are handed to whichever is free. A
 * thread that dies fails only the image it was on and is replaced.
 */
export function workerPoolAnalyzer(jobs: number, modelsDir: string | undefined): Analyzer {
  const slots: Slot[] = [];
  const waiting: ((s: Slot) => void)[] = [];
  const start = (): Slot => {
    const worker = tsWorkerThread(new URL('./analysis.node-worker.ts', import.meta.url));
    const api = wrap<CliAnalysisWorkerApi>(nodeEndpoint(worker));
    const slot: Slot = { worker, api, ready: api.init(modelsDir), busy: false, onDeath: null };
    const died = (why: string): void => {
      slot.onDeath?.(new Error(`the analysis thread stopped (${why})`));
      const i = slots.indexOf(slot);
      if (i >= 0) {
        slots[i] = start();
        dispatch();
      }
    };
    worker.on('error', (e: Error) => died(e.message));
    worker.on('exit', (code: number) => {
      if (code !== 0 && slots.includes(slot)) died(`exit code ${code}`);
    });
    return slot;
  };
  for (let i = 0; i < jobs; i++) slots.push(start());
  /** Hand free threads to waiting images. */
  const dispatch = (): void => {
    for (
      let free = slots.find((s) => !s.busy);
      free && waiting.length;
      free = slots.find((s) => !s.busy)
    ) {
      free.busy = true;
      waiting.shift()!(free);
    }
  };
  const acquire = (): Promise<Slot> =>
    new Promise((resolve) => {
      waiting.push(resolve);
      dispatch();
    });
  const release = (slot: Slot): void => {
    slot.busy = false; // a dead slot is no longer in `slots`: its replacement is free already
    dispatch();
  };
  return {
    parallel: jobs,
    async analyze(image, mode, name, options) {
      const slot = await acquire();
      try {
        await slot.ready;
        return await new Promise<AnalysisResult>((resolve, reject) => {
          slot.onDeath = reject;
          slot.api
            .analyze(transfer(image, [image.data.buffer as ArrayBuffer]), mode, name, options)
            .then(resolve, reject);
        });
      } finally {
        slot.onDeath = null;
        release(slot);
      }
    },
    dispose() {
      for (const s of slots.splice(0)) void s.worker.terminate();
    },
  };
}
