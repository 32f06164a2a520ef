/**
 * Generate a pyramidal tiled TIFF "slide" (JPEG tiles, BigTIFF when large) as a mosaic of CRIC
 * fields, with every labelled CRIC point mapped to slide (level-0) coordinates (issue 14):
 *
 *   npx tsx scripts/make-test-slide.ts [--split test] [--cols 7] [--rows 6] [--repeat 1]
 *       [--out test-results/slide/cric-mosaic.tif]
 *
 * Writes <out> and <out>.points.csv (cell_id, bethesda_system, field, x, y). Without ../shared it
 * builds the mosaic from seeded synthetic fields (no points). Nothing from ../shared is committed:
 * the slide is generated on demand.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { syntheticBenchField } from '../src/cli/bench-inputs';
import type { RgbaImage } from '../src/core/image/types';
import { cricFieldPath, readCricCells } from '../src/data/datasets';
import { hasData, REPO_ROOT } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf, type Part } from '../src/data/splits';
import { encodeSlide } from '../tests/support/slide-writer';

const { values } = parseArgs({
  options: {
    split: { type: 'string', default: 'test' },
    cols: { type: 'string', default: '7' },
    rows: { type: 'string', default: '6' },
    out: { type: 'string', default: join(REPO_ROOT, 'test-results', 'slide', 'cric-mosaic.tif') },
  },
});
const cols = Number(values.cols);
const rows = Number(values.rows);
const FW = 1280;
const FH = 960;
const W = cols * FW;
const H = rows * FH;
const slide: RgbaImage = { width: W, height: H, data: new Uint8ClampedArray(W * H * 4).fill(255) };
const points: string[] = ['cell_id,bethesda_system,field,x,y'];

const fields: string[] = [];
if (hasData()) {
  const units = unitsOf(loadSplit('cric'), values.split as Part);
  fields.push(...[...units].sort());
}
const cells = hasData() ? readCricCells() : [];
for (let k = 0; k < cols * rows; k++) {
  const ox = (k % cols) * FW;
  const oy = Math.floor(k / cols) * FH;
  let img: RgbaImage;
  let name = 'synthetic';
  if (fields.length > 0) {
    name = fields[k % fields.length];
    img = await readImage(cricFieldPath(name));
    // Each copy of a field carries its points (fields repeat when the mosaic has more places).
    for (const c of cells.filter((c) => c.field === name))
      points.push(`${c.cellId},${c.label},${name},${ox + c.x},${oy + c.y}`);
  } else img = syntheticBenchField();
  for (let y = 0; y < Math.min(FH, img.height); y++)
    slide.data.set(
      img.data.subarray(4 * y * img.width, 4 * (y * img.width + Math.min(FW, img.width))),
      4 * ((oy + y) * W + ox),
    );
  process.stdout.write(`\rfield ${k + 1}/${cols * rows} ${basename(name)}`);
}
const bytes = encodeSlide(slide, {
  compression: 'jpeg',
  jpegQuality: 92,
  tile: 256,
  pyramidLevels: 3,
  bigTiff: W * H > 100_000_000,
});
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, bytes);
writeFileSync(`${values.out}.points.csv`, points.join('\n') + '\n');
console.log(
  `\n${values.out}: ${W}×${H} (${((W * H) / 1e6).toFixed(1)} MP), ${(bytes.length / 1e6).toFixed(1)} MB, ${points.length - 1} labelled points`,
);
