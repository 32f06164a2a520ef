/**
 * Generate a pyramidal tiled TIFF "slide" (JPEG tiles, BigTIFF when large) as a mosaic of CRIC
 * fields, with every labelled CRIC point mapped to slide (level-0) coordinates (issue 14):
 *
 *   npx tsx scripts/make-test-slide.ts [--split test] [--cols 7] [--rows 6]
 *       [--out test-results/slide/cric-mosaic.tif]
 *
 * Writes <out> and <out>.points.csv (cell_id, bethesda_system, field, x, y). Each field keeps its
 * top-left 1280 × 960 pixels; points in the cut-off margin are left out (they would otherwise
 * land in the neighbouring field). Without ../shared it builds the mosaic from seeded synthetic
 * fields (no points). Nothing from ../shared is committed: the slide is generated on demand
 * (tests/support/cric-mosaic.ts, shared with e2e/slide-cric.spec.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../src/data/paths';
import type { Part } from '../src/data/splits';
import { buildCricMosaic } from '../tests/support/cric-mosaic';

const { values } = parseArgs({
  options: {
    split: { type: 'string', default: 'test' },
    cols: { type: 'string', default: '7' },
    rows: { type: 'string', default: '6' },
    out: { type: 'string', default: join(REPO_ROOT, 'test-results', 'slide', 'cric-mosaic.tif') },
  },
});
const m = await buildCricMosaic({
  split: values.split as Part,
  cols: Number(values.cols),
  rows: Number(values.rows),
  onField: (k, n, name) => process.stdout.write(`\rfield ${k}/${n} ${basename(name)}`),
});
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, m.bytes);
writeFileSync(
  `${values.out}.points.csv`,
  [
    'cell_id,bethesda_system,field,x,y',
    ...m.points.map((p) => `${p.cellId},${p.label},${p.field},${p.x},${p.y}`),
  ].join('\n') + '\n',
);
console.log(
  `\n${values.out}: ${m.width}×${m.height} (${((m.width * m.height) / 1e6).toFixed(1)} MP), ${(m.bytes.length / 1e6).toFixed(1)} MB, ${m.points.length} labelled points`,
);
