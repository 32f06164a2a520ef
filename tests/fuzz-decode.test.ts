import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/data/paths';
import { runFuzz } from './support/fuzz/harness';
import { FUZZ_FORMATS } from './support/fuzz/seeds';

/**
 * Issue 15: seeded mutation fuzzing of the image decoder, every CI run. Each case runs in a worker
 * thread bounded in time (a case over 5 s is a hang) and memory (1 GB worker heap, 3 GB process
 * RSS); any hang, crash, memory blow-up, unclear message or inconsistent image fails the test,
 * and the offending input is written to test-results/fuzz/ for the corpus
 * (tests/support/bad-inputs.ts). Longer runs: `npx tsx scripts/fuzz-decode.ts --cases 50000`.
 * PAPLENS_FUZZ_SEED picks another seed (default fixed, so CI is repeatable).
 */
const CASES = Number(process.env.PAPLENS_FUZZ_CASES ?? 2000);
const SEED = Number(process.env.PAPLENS_FUZZ_SEED ?? 20261127);
const OUT = join(REPO_ROOT, 'test-results', 'fuzz');

describe('decoder mutation fuzzing', () => {
  for (const format of FUZZ_FORMATS) {
    it(`${CASES} mutated ${format} files: no hang, crash, memory blow-up or unclear error`, async () => {
      const r = await runFuzz({ format, cases: CASES, runSeed: SEED, outDir: OUT });
      console.log(
        `fuzz ${format}: ${r.cases} cases (seed ${SEED}), ${r.images} images, ${r.clearErrors} clear errors, ` +
          `${r.failures.length} failures, slowest case ${r.slowestCaseMs.toFixed(0)} ms, ${(r.ms / 1000).toFixed(1)} s`,
      );
      expect(r.cases).toBe(CASES);
      expect(
        r.failures.map(
          (f) => `${f.kind} #${f.index} (${f.seed}, ${f.mutation}): ${f.message} → ${f.file}`,
        ),
      ).toEqual([]);
      // Both outcomes occur, so the mutations reach past the header checks.
      expect(r.images).toBeGreaterThan(0);
      expect(r.clearErrors).toBeGreaterThan(0);
    }, 120_000);
  }
});
