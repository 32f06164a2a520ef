import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/data/paths';
import { runFuzz } from './support/fuzz/harness';
import { SLIDE_FUZZ_KINDS } from './support/fuzz/slide-seeds';

/**
 * Issue 14: seeded mutation fuzzing of the slide reader, every CI run. Small generated slides
 * (tests/support/fuzz/slide-seeds.ts: tiled pyramids, classic and BigTIFF, JPEG / LZW / Deflate
 * tiles, a stripped TIFF) are mutated — bytes of the header and directories, whole directory
 * entries (type, count, value), tile data, truncation — and each goes the app's and the CLI's way:
 * probe, open, region reads at every level (edges included), an analysis tile, a gallery crop
 * (tests/support/fuzz/slide-fuzz.node-worker.ts). Each case runs in a worker thread bounded in
 * time (over 5 s is a hang) and memory (1 GB worker heap, 3 GB process RSS); any hang, crash,
 * memory blow-up, unclear message or wrongly sized region fails the test, and the offending slide
 * is written to test-results/fuzz/. Longer runs: `npx tsx scripts/fuzz-slide.ts --cases 50000`.
 */
const CASES = Number(process.env.PAPLENS_SLIDE_FUZZ_CASES ?? 1000);
const SEED = Number(process.env.PAPLENS_FUZZ_SEED ?? 20261127);
const OUT = join(REPO_ROOT, 'test-results', 'fuzz');

describe('slide reader mutation fuzzing', () => {
  for (const kind of SLIDE_FUZZ_KINDS) {
    it(`${CASES} mutated ${kind} files: no hang, crash, memory blow-up or unclear error`, async () => {
      const r = await runFuzz({ format: kind, cases: CASES, runSeed: SEED, outDir: OUT });
      console.log(
        `fuzz ${kind}: ${r.cases} cases (seed ${SEED}), ${r.images} read, ${r.clearErrors} clear errors, ` +
          `${r.failures.length} failures, slowest case ${r.slowestCaseMs.toFixed(0)} ms, ${(r.ms / 1000).toFixed(1)} s`,
      );
      expect(r.cases).toBe(CASES);
      expect(
        r.failures.map(
          (f) => `${f.kind} #${f.index} (${f.seed}, ${f.mutation}): ${f.message} → ${f.file}`,
        ),
      ).toEqual([]);
      // Both outcomes occur often, so the mutations reach past the directory checks into the
      // tile decoders (not only files that no longer parse).
      expect(r.images).toBeGreaterThan(CASES / 20);
      expect(r.clearErrors).toBeGreaterThan(CASES / 20);
    }, 120_000);
  }
});
