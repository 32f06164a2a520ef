// Decode fuzzer harness (Node): runs seeded mutation cases in a worker thread, bounds each case
// in time (the thread is terminated on overrun) and memory (capped worker heap, watched RSS), and
// writes every offending input to a file so it can be added to the corpus.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tsWorkerThread } from '../../../src/workers/node-worker';
import { fuzzCase, isSlideKind, type AnyFuzzFormat } from './mutate';

export type CaseOutcome =
  | { kind: 'image' }
  | { kind: 'clear-error' }
  | { kind: 'unclear-error'; message: string }
  | { kind: 'bad-image'; message: string };

export type WorkerMessage =
  | { type: 'start'; index: number }
  | { type: 'end'; index: number; ms: number; outcome: CaseOutcome };

export interface FuzzFailure {
  index: number;
  kind: 'hang' | 'crash' | 'memory' | 'unclear-error' | 'bad-image';
  seed: string;
  mutation: string;
  message: string;
  file: string;
}

export interface FuzzReport {
  format: AnyFuzzFormat;
  runSeed: number;
  cases: number;
  images: number;
  clearErrors: number;
  failures: FuzzFailure[];
  slowestCaseMs: number;
  peakRssMb: number;
  ms: number;
}

export interface FuzzOptions {
  format: AnyFuzzFormat;
  cases: number;
  runSeed: number;
  /** A case running longer than this is a hang. */
  caseTimeoutMs?: number;
  /** JS heap cap of the worker (MB): a decoder that allocates without end hits it. */
  heapMb?: number;
  /** Process RSS above this (MB) is a memory blow-up. */
  rssLimitMb?: number;
  /** Where offending inputs are written. */
  outDir: string;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const caseTimeoutMs = opts.caseTimeoutMs ?? 5000;
  const rssLimitMb = opts.rssLimitMb ?? 3000;
  const t0 = performance.now();
  const report: FuzzReport = {
    format: opts.format,
    runSeed: opts.runSeed,
    cases: 0,
    images: 0,
    clearErrors: 0,
    failures: [],
    slowestCaseMs: 0,
    peakRssMb: 0,
    ms: 0,
  };
  const fail = (index: number, kind: FuzzFailure['kind'], message: string): void => {
    const c = fuzzCase(opts.format, opts.runSeed, index);
    mkdirSync(opts.outDir, { recursive: true });
    const file = join(opts.outDir, `${opts.format}-${opts.runSeed}-${index}-${kind}.bin`);
    writeFileSync(file, c.bytes);
    report.failures.push({ index, kind, seed: c.seed, mutation: c.mutation, message, file });
  };

  let next = 0;
  while (next < opts.cases) {
    // One worker per run of cases; after a hang or crash, a fresh one goes on with the next case.
    next = await new Promise<number>((resolve) => {
      // Images go through the decoder, slides through the slide reader's open-and-read path.
      const script = isSlideKind(opts.format)
        ? new URL('./slide-fuzz.node-worker.ts', import.meta.url)
        : new URL('./fuzz.node-worker.ts', import.meta.url);
      const worker = tsWorkerThread(script, {
        workerData: { format: opts.format, runSeed: opts.runSeed, from: next, to: opts.cases },
        resourceLimits: { maxOldGenerationSizeMb: opts.heapMb ?? 1024 },
      });
      let current = -1;
      let startedAt = 0;
      let doneUpTo = next;
      let settled = false;
      const finish = (resumeAt: number): void => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        void worker.terminate();
        resolve(resumeAt);
      };
      const timer = setInterval(() => {
        const rss = process.memoryUsage().rss / 1e6;
        report.peakRssMb = Math.max(report.peakRssMb, rss);
        if (current >= 0 && rss > rssLimitMb) {
          fail(current, 'memory', `process RSS ${rss.toFixed(0)} MB`);
          report.cases++;
          finish(current + 1);
        } else if (current >= 0 && performance.now() - startedAt > caseTimeoutMs) {
          fail(current, 'hang', `no result after ${caseTimeoutMs} ms`);
          report.cases++;
          finish(current + 1);
        }
      }, 50);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'start') {
          current = m.index;
          startedAt = performance.now();
          return;
        }
        current = -1;
        doneUpTo = m.index + 1;
        report.cases++;
        report.slowestCaseMs = Math.max(report.slowestCaseMs, m.ms);
        const o = m.outcome;
        if (o.kind === 'image') report.images++;
        else if (o.kind === 'clear-error') report.clearErrors++;
        else fail(m.index, o.kind, o.message);
        if (m.ms > caseTimeoutMs) {
          // Finished, but too slow to count as bounded.
          fail(m.index, 'hang', `took ${m.ms.toFixed(0)} ms`);
        }
      });
      worker.on('error', (e: Error) => {
        if (current < 0) return finish(doneUpTo);
        const oom = /out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(
          `${e.message} ${(e as { code?: string }).code ?? ''}`,
        );
        fail(current, oom ? 'memory' : 'crash', e.message);
        report.cases++;
        finish(current + 1);
      });
      worker.on('exit', () => finish(current >= 0 ? current + 1 : doneUpTo));
    });
  }
  report.ms = performance.now() - t0;
  return report;
}
