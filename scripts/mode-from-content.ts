/**
 * Mode from content (issue 12) on VALIDATION images: how often the coarse pass takes a Herlev val
 * single-cell image for a cell, and a 256² crop of a CRIC val field (around its densest labelled
 * spot, and at a fixed off-centre spot) for a field. The val crop figures of the mode table in
 * docs/SEGMENTATION.md come from this command (CELL_RULE's thresholds are fitted on train by
 * scripts/fit-cell-rule.ts):
 *   npx tsx scripts/mode-from-content.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initNodeTf } from '../src/cli/tf-node';
import { cropRgba } from '../src/core/image/ops';
import { loadSegModel } from '../src/core/segment';
import { estimateScale } from '../src/core/segment/auto-scale';
import { AUTO_CELL_MAX_SIDE, estimateOptions } from '../src/core/pipeline/scale-choice';
import type { RgbaImage } from '../src/core/image/types';
import { parseCsv } from '../src/data/csv';
import { cricFieldPath, readCricCells } from '../src/data/datasets';
import { dataDir } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';

await initNodeTf();
const model = await loadSegModel(nodeModelSource());
const counts: Record<string, { cell: number; n: number }> = {};

async function take(kind: string, img: RgbaImage): Promise<void> {
  const presumed = Math.max(img.width, img.height) <= AUTO_CELL_MAX_SIDE ? 'cell' : 'field';
  const e = await estimateScale(img, model, estimateOptions(presumed, { modeFromContent: true }));
  // As chooseModeAndScale: nothing confident → the size rule.
  const cell = e.found ? e.looksLikeCell : presumed === 'cell';
  const c = (counts[kind] ??= { cell: 0, n: 0 });
  c.cell += cell ? 1 : 0;
  c.n++;
}

const dir = join(dataDir(), 'herlev');
const herlevVal = unitsOf(loadSplit('herlev'), 'val');
for (const r of parseCsv(readFileSync(join(dir, 'manifest.csv'), 'utf8')))
  if (herlevVal.has(r.id) || herlevVal.has(r.group))
    await take('herlev val cells', await readImage(join(dir, 'images', `${r.id}.jpg`)));

const cells = readCricCells();
for (const f of [...unitsOf(loadSplit('cric'), 'val')].sort()) {
  const img = await readImage(cricFieldPath(f));
  const pts = cells.filter((c) => c.field === f);
  const near = (p: { x: number; y: number }): number =>
    pts.filter((q) => Math.abs(q.x - p.x) < 128 && Math.abs(q.y - p.y) < 128).length;
  const dense = pts.reduce((a, b) => (near(b) > near(a) ? b : a), pts[0]);
  const spots = {
    'CRIC val 256² crops (densest spot)': [dense.x, dense.y],
    'CRIC val 256² crops (fixed spot)': [
      img.width * (0.3 + (0.4 * ((f.charCodeAt(0) * 7) % 10)) / 10),
      img.height / 2,
    ],
  };
  for (const [kind, [cx, cy]] of Object.entries(spots)) {
    const x0 = Math.max(0, Math.min(img.width - 256, Math.round(cx - 128)));
    const y0 = Math.max(0, Math.min(img.height - 256, Math.round(cy - 128)));
    await take(kind, cropRgba(img, x0, y0, 256, 256));
  }
}
for (const [kind, c] of Object.entries(counts))
  console.log(`${kind}: taken for a cell ${c.cell}/${c.n}`);
