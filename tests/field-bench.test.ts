import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { syntheticBenchField, SYNTHETIC_FIELD_NUCLEI } from '../src/cli/bench-inputs';
import { linearFit, quantile, summarizeFields, type FieldTiming } from '../src/cli/field-bench';
import { REPO_ROOT } from '../src/data/paths';
import { syntheticSegImage } from '../src/core/segment/bench';
import { runCli } from './support/run-cli';

describe('field bench (issue 13)', () => {
  it('quantiles, the per-nucleus fit and the summary', () => {
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1);
    const fit = linearFit([10, 20, 30], [1200, 1400, 1600]);
    expect(fit.b).toBeCloseTo(20);
    expect(fit.a).toBeCloseTo(1000);
    const rows: FieldTiming[] = [10, 20, 30].map((n) => ({
      file: `f${n}.jpg`,
      width: 100,
      height: 100,
      nuclei: n,
      total_ms: 1000 + 20 * n,
      stages: { segment: 900, deep_features: 20 * n, total: 1000 + 20 * n },
    }));
    const s = summarizeFields(rows, [0.5, 0.7]);
    expect(s).toMatchObject({ fields: 3, nuclei_median: 20, nuclei_max: 30, median_ms: 1400 });
    expect(s.ms_per_nucleus).toBeCloseTo(20);
    expect(s.stage_median_ms.segment).toBe(900);
  });

  it(`the synthetic fallback field is dense: ${SYNTHETIC_FIELD_NUCLEI} separate dark nuclei`, () => {
    const f = syntheticBenchField();
    // Count 4-connected dark components.
    const dark = new Uint8Array(f.width * f.height);
    for (let i = 0; i < dark.length; i++) dark[i] = f.data[4 * i] < 130 ? 1 : 0;
    let count = 0;
    const stack: number[] = [];
    for (let i = 0; i < dark.length; i++) {
      if (!dark[i]) continue;
      count++;
      dark[i] = 0;
      stack.push(i);
      while (stack.length) {
        const p = stack.pop()!;
        const x = p % f.width;
        for (const q of [
          p - f.width,
          p + f.width,
          x > 0 ? p - 1 : -1,
          x < f.width - 1 ? p + 1 : -1,
        ])
          if (q >= 0 && q < dark.length && dark[q]) {
            dark[q] = 0;
            stack.push(q);
          }
      }
    }
    expect(count).toBe(SYNTHETIC_FIELD_NUCLEI);
    expect(count).toBeGreaterThanOrEqual(150);
  });

  const shipped = existsSync(join(REPO_ROOT, 'public', 'models', 'seg', 'model.json'));
  it.skipIf(!shipped)(
    'paplens bench --fields times every field of a folder',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'paplens-fields-'));
      try {
        for (const [i, n] of [4, 12].entries()) {
          const img = syntheticSegImage(320, 240, n, 10, i + 1);
          writeFileSync(join(dir, `field-${i}.png`), encode({ ...img, channels: 4 }));
        }
        writeFileSync(join(dir, 'notes.txt'), 'not an image');
        const json = join(dir, 'bench.json');
        const r = await runCli(['bench', '--fields', dir, '--json', json]);
        expect(r.code, r.err).toBe(0);
        expect(r.out).toMatch(/\[2\/2\] field-1\.png 320×240: \d+ nuclei/);
        const out = JSON.parse(readFileSync(json, 'utf8')) as {
          summary: { fields: number; median_ms: number; p90_ms: number; ms_per_nucleus: number };
          fields: FieldTiming[];
        };
        expect(out.summary.fields).toBe(2);
        expect(out.fields.map((f) => f.file.endsWith('.png'))).toEqual([true, true]);
        expect(out.summary.p90_ms).toBeGreaterThanOrEqual(out.summary.median_ms);
        expect(Number.isFinite(out.summary.ms_per_nucleus)).toBe(true);
        expect(out.fields.every((f) => f.stages.segment > 0 && f.total_ms > 0)).toBe(true);
        expect((out as { mode?: string }).mode).toBe('field');
        // The app's default path (mode judged from content) on request; a wrong mode is refused.
        const auto = await runCli(['bench', '--fields', dir, '--mode', 'auto', '--json', json]);
        expect(auto.code, auto.err).toBe(0);
        expect(auto.out).toMatch(/, auto mode/);
        expect(JSON.parse(readFileSync(json, 'utf8')).mode).toBe('auto');
        const bad = await runCli(['bench', '--fields', dir, '--mode', 'cell']);
        expect(bad.code).toBe(2);
        expect(bad.err).toMatch(/--mode must be auto or field/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
