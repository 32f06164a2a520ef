import { describe, expect, it } from 'vitest';
import { workerPoolAnalyzer } from '../src/cli/analysis/analysis-pool';
import { tsWorkerThread } from '../src/workers/node-worker';
import type { RgbaImage } from '../src/core/image/types';

// `paplens analyze` on many files: a thread that dies must fail only the image it was on, and the
// batch (and the Node process) must go on. The threads here are stand-ins that die on demand.
const standIn = () =>
  tsWorkerThread(new URL('./support/crashing-analysis-worker.ts', import.meta.url));
const image = (): RgbaImage => ({
  width: 8,
  height: 8,
  data: new Uint8ClampedArray(8 * 8 * 4).fill(128),
});

describe('analysis pool (CLI worker threads)', () => {
  it.each(['throw', 'exit'])(
    'a thread that dies (%s) fails its image only; the next images are analysed',
    async (how) => {
      const pool = workerPoolAnalyzer(2, undefined, standIn);
      try {
        const results = await Promise.allSettled([
          pool.analyze(image(), 'cell', how),
          pool.analyze(image(), 'cell', 'a'),
          pool.analyze(image(), 'cell', 'b'),
        ]);
        expect(results[0].status).toBe('rejected');
        expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(
          /the analysis thread stopped/,
        );
        expect(results.slice(1).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
        // The dead thread was replaced: two more images at once still both finish.
        const again = await Promise.all([
          pool.analyze(image(), 'cell', 'c'),
          pool.analyze(image(), 'cell', 'd'),
        ]);
        expect(again.map((r) => r.mode)).toEqual(['cell', 'cell']);
      } finally {
        pool.dispose();
      }
    },
    60_000,
  );

  it.each([
    ['fail-init', /init failed on purpose/],
    ['exit-init', /exit code 5/],
  ])(
    'threads that cannot start (%s): every image refused with the reason, no hang, no unhandled rejection',
    async (how, reason) => {
      // Three threads for two images: one init is never awaited by an image. An unobserved
      // rejection would end a Node process (and fails this test run); a thread that dies in its
      // init would leave its image waiting for ever, or be replaced for ever.
      const pool = workerPoolAnalyzer(3, how, standIn);
      try {
        const first = await Promise.allSettled([
          pool.analyze(image(), 'cell', 'a'),
          pool.analyze(image(), 'cell', 'b'),
        ]);
        for (const r of first) {
          expect(r.status).toBe('rejected');
          expect(String((r as PromiseRejectedResult).reason)).toMatch(reason);
        }
        // The third thread fails too (when depends on the machine's load); from then on images
        // are refused at once, with the first failure's reason.
        let last = '';
        for (let i = 0; i < 10 && !/no analysis thread/.test(last); i++)
          last = await pool.analyze(image(), 'cell', 'c').then(
            () => 'fulfilled',
            (e: unknown) => String(e),
          );
        expect(last).toMatch(/no analysis thread could start/);
        expect(last).toMatch(reason);
      } finally {
        pool.dispose();
      }
    },
    60_000,
  );
});
