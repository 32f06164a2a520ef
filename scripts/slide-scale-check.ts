/**
 * The automatic scale of uncalibrated slides (src/core/slide/slide-scale.ts) on CRIC mosaics seen
 * at ×0.5, ×1 and ×2 the working magnification (bilinear resize): the factor found should be 2, 1
 * and 0.5. Each mosaic is cols × rows fields of the split, the next mosaic the next fields (no
 * field twice). The summary counts a factor right within ×1.35 (the snapping ratio) for the
 * shipped rule (the windows' nucleus sizes pooled) and, from the same runs, for the median of the
 * factors the windows chose on their own (the rule not taken).
 *
 *   npx tsx scripts/slide-scale-check.ts --split val [--mosaics 4] [--cols 3] [--rows 3] [--json F]
 *   npx tsx scripts/slide-scale-check.ts --summarize F      # the summary of a saved run
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initNodeTf } from '../src/cli/tf-node';
import { resizeRgba } from '../src/core/image/ops';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { SNAP_RATIO } from '../src/core/pipeline/scale-choice';
import { rasterSlide } from '../src/core/slide/raster-slide';
import { resolveSlideScale } from '../src/core/slide/slide-scale';
import { hasData } from '../src/data/paths';
import type { Part } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';
import { composeCricMosaic } from '../tests/support/cric-mosaic';

interface Row {
  mosaic: number;
  magnification: number;
  found: number;
  source: string;
  factors: number[];
  diameters: number[];
  ms: number;
}

const { values } = parseArgs({
  options: {
    split: { type: 'string', default: 'val' },
    mosaics: { type: 'string', default: '4' },
    cols: { type: 'string', default: '3' },
    rows: { type: 'string', default: '3' },
    json: { type: 'string' },
    summarize: { type: 'string' },
  },
});

const MAGNIFICATIONS = [0.5, 1, 2];
const right = (factor: number, m: number): boolean =>
  Math.max(factor * m, 1 / (factor * m)) <= SNAP_RATIO;
/** Median in log space (the geometric mean of the middle two for an even count). */
function logMedian(v: number[]): number {
  const s = v.map(Math.log).sort((a, b) => a - b);
  const k = s.length >> 1;
  return Math.exp(s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2);
}
function summarize(results: Row[]): Record<string, number | string>[] {
  return MAGNIFICATIONS.map((m) => {
    const rs = results.filter((r) => r.magnification === m);
    return {
      magnification: m,
      expected: 1 / m,
      right: rs.filter((r) => right(r.found, m)).length,
      of: rs.length,
      found: rs.map((r) => r.found).join(', '),
      windows_own_factors_median_right: rs.filter(
        (r) => r.factors.length > 0 && right(logMedian(r.factors), m),
      ).length,
    };
  });
}

if (values.summarize) {
  const saved = JSON.parse(readFileSync(values.summarize, 'utf8')) as { results: Row[] };
  console.table(summarize(saved.results));
  process.exit(0);
}
if (!hasData()) throw new Error('needs ../shared (CRIC fields)');
const [cols, rows] = [Number(values.cols), Number(values.rows)];
await initNodeTf();
const models = await loadPipelineModels(nodeModelSource(), { classifier: false });
const results: Row[] = [];
for (let k = 0; k < Number(values.mosaics); k++) {
  const { image, fields } = await composeCricMosaic({
    split: values.split as Part,
    first: k * cols * rows,
    cols,
    rows,
  });
  for (const m of MAGNIFICATIONS) {
    const img =
      m === 1
        ? image
        : resizeRgba(image, Math.round(image.width * m), Math.round(image.height * m));
    const t0 = performance.now();
    const s = await resolveSlideScale(rasterSlide([img]), models.seg);
    const row: Row = {
      mosaic: k,
      magnification: m,
      found: +s.scale.toFixed(3),
      source: s.scaleSource,
      factors: (s.probe?.factors ?? []).map((f) => +f.toFixed(3)),
      diameters: (s.probe?.diameters ?? []).map((d) => +d.toFixed(1)),
      ms: Math.round(performance.now() - t0),
    };
    results.push(row);
    console.log(`${fields.join(' ')} ×${m}: ${JSON.stringify(row)}`);
  }
}
models.dispose();
const summary = summarize(results);
console.table(summary);
if (values.json)
  writeFileSync(
    values.json,
    JSON.stringify({ split: values.split, cols, rows, summary, results }, null, 2),
  );
