import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, extname, join } from 'node:path';
import { analyze, type PipelineModels } from '../core/analyze';
import { readImage } from '../data/read-image';
import { loadSplit, unitsOf, type Part } from '../data/splits';

/** One field of `paplens bench --fields`: what the user's path (analyze, field mode) cost. */
export interface FieldTiming {
  file: string;
  width: number;
  height: number;
  nuclei: number;
  total_ms: number;
  stages: Record<string, number>;
}

export interface FieldBenchSummary {
  fields: number;
  nuclei_median: number;
  nuclei_max: number;
  median_ms: number;
  p90_ms: number;
  max_ms: number;
  /** Least-squares slope of field time over nucleus count: the marginal cost of one nucleus. */
  ms_per_nucleus: number;
  /** Intercept of that fit: what a field costs before any nucleus (segmentation, set-up). */
  ms_per_field_base: number;
  /** Median over fields of each stage's time. */
  stage_median_ms: Record<string, number>;
  /** 1-minute load average at start and end (other work on the machine slows every figure). */
  load: [number, number];
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Ordinary least squares y = a + b x. */
export function linearFit(xs: number[], ys: number[]): { a: number; b: number } {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}

export function summarizeFields(rows: FieldTiming[], load: [number, number]): FieldBenchSummary {
  const totals = rows.map((r) => r.total_ms);
  const counts = rows.map((r) => r.nuclei);
  const fit = linearFit(counts, totals);
  const stageNames = [...new Set(rows.flatMap((r) => Object.keys(r.stages)))];
  return {
    fields: rows.length,
    nuclei_median: quantile(counts, 0.5),
    nuclei_max: Math.max(...counts),
    median_ms: quantile(totals, 0.5),
    p90_ms: quantile(totals, 0.9),
    max_ms: Math.max(...totals),
    ms_per_nucleus: fit.b,
    ms_per_field_base: fit.a,
    stage_median_ms: Object.fromEntries(
      stageNames.map((s) => [
        s,
        quantile(
          rows.map((r) => r.stages[s] ?? 0),
          0.5,
        ),
      ]),
    ),
    load,
  };
}

/** Field images of a folder, optionally only those of one part of a committed split (by file name). */
export function listFields(dir: string, split?: { name: 'cric'; part: Part }): string[] {
  const files = readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|tiff?|bmp)$/i.test(extname(f)))
    .sort();
  if (!split) return files.map((f) => join(dir, f));
  const units = unitsOf(loadSplit(split.name), split.part);
  return files.filter((f) => units.has(basename(f))).map((f) => join(dir, f));
}

/**
 * Analyse each field exactly as `paplens analyze --mode field` does (one thread, shipped models)
 * and time it. One warm-up analysis first, so the first field does not pay for kernel set-up.
 */
export async function benchFields(
  files: string[],
  models: PipelineModels,
  onField?: (t: FieldTiming, i: number) => void,
  mode: 'auto' | 'field' = 'field',
): Promise<{ rows: FieldTiming[]; summary: FieldBenchSummary }> {
  const load0 = loadavg()[0];
  const rows: FieldTiming[] = [];
  if (files.length > 0) await analyze(await readImage(files[0]), models, { mode });
  for (const [i, file] of files.entries()) {
    const img = await readImage(file);
    const r = await analyze(img, models, { mode, name: basename(file) });
    const stages = Object.fromEntries(r.timings.map((t) => [t.stage, t.ms]));
    const row: FieldTiming = {
      file,
      width: img.width,
      height: img.height,
      nuclei: r.nuclei.length,
      total_ms: stages.total ?? NaN,
      stages,
    };
    rows.push(row);
    onField?.(row, i);
  }
  return { rows, summary: summarizeFields(rows, [load0, loadavg()[0]]) };
}
