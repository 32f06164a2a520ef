/**
 * Mode from content on LARGE images (issue 12; tried 2026-11-28, not shipped): Herlev val cells
 * upscaled ×2 / ×3 and 384² / 512² crops and whole CRIC val fields. Counts the images taken for
 * cells by the shipped code, and by two "frame" rules: the whole image resized so its longer side
 * is 112 px (a Herlev frame at ×0.5) and judged by isCell, (A) besides the default probe or (B)
 * alone, both only when the field default was not kept. Quoted in docs/SEGMENTATION.md:
 *   npx tsx scripts/mode-large-cells.ts [val]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initNodeTf } from '../src/cli/tf-node';
import { cropRgba, resizeRgba } from '../src/core/image/ops';
import type { RgbaImage } from '../src/core/image/types';
import { loadSegModel } from '../src/core/segment';
import { estimateScale, isCell, probeScale } from '../src/core/segment/auto-scale';
import { chooseModeAndScale, estimateOptions } from '../src/core/pipeline/scale-choice';
import { segAdapterOf } from '../src/core/pipeline/models';
import { parseCsv } from '../src/data/csv';
import { cricFieldPath } from '../src/data/datasets';
import { dataDir } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';
await initNodeTf();
const model = await loadSegModel(nodeModelSource());
const seg = segAdapterOf(model);
const part = (process.argv[2] ?? 'val') as 'val';
const c: Record<string, [number, number, number, number]> = {};
async function take(kind: string, im: RgbaImage) {
  const r = (c[kind] ??= [0, 0, 0, 0]);
  r[0]++;
  const ch = await chooseModeAndScale(im, seg, {});
  if (ch.mode === 'cell') r[1]++;
  const e = await estimateScale(im, model, estimateOptions('field'));
  const frame = await probeScale(im, model, 112 / Math.max(im.width, im.height), 4096);
  const first = e.probes.find((p) => p.scale === 1)!;
  const cellA = (first.whole && isCell(first)) || (!e.atDefault && isCell(frame));
  const cellB = !e.atDefault && isCell(frame);
  if (cellA) r[2]++;
  if (cellB) r[3]++;
}
const dir = join(dataDir(), 'herlev');
const units = unitsOf(loadSplit('herlev'), part);
for (const row of parseCsv(readFileSync(join(dir, 'manifest.csv'), 'utf8'))) {
  if (!(units.has(row.id) || units.has(row.group))) continue;
  const im = await readImage(join(dir, 'images', `${row.id}.jpg`));
  await take('herlev x2', resizeRgba(im, im.width * 2, im.height * 2));
  await take('herlev x3', resizeRgba(im, im.width * 3, im.height * 3));
}
for (const f of [...unitsOf(loadSplit('cric'), part)].sort()) {
  const img = await readImage(cricFieldPath(f));
  await take('cric 384 crop', cropRgba(img, 300, 200, 384, 384));
  await take('cric 512 crop', cropRgba(img, 200, 200, 512, 512));
  await take('cric field', img);
}
for (const [k, r] of Object.entries(c))
  console.log(`${k}: n ${r[0]}, cells now ${r[1]}, frame rule A ${r[2]}, B ${r[3]}`);
