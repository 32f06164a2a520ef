/**
 * The images the mode-from-content rules are fitted on (scripts/fit-cell-rule.ts,
 * scripts/fit-field-check.ts), per split part: Herlev single-cell images, 200–256² crops of CRIC
 * fields (one 256² crop at the densest labelled spot and three at fixed pseudo-random spots,
 * 256², 224² and 200² — Herlev images are 200² or 224²), and, with `halfCopies`, Herlev-SD cells
 * and ISBI synthetic fields resized ×0.5 as the app resizes (bilinear).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cropRgba, resizeRgba } from '../src/core/image/ops';
import type { RgbaImage } from '../src/core/image/types';
import { parseCsv } from '../src/data/csv';
import { cricFieldPath, herlevSamples, isbiSamples, readCricCells } from '../src/data/datasets';
import { dataDir } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf, type Part } from '../src/data/splits';

export type FitKind = 'herlev cells' | 'cric crops' | 'herlev-sd x0.5' | 'synthetic x0.5';

export async function* modeFitImages(
  part: Part,
  halfCopies = false,
): AsyncGenerator<{ kind: FitKind; image: RgbaImage }> {
  const dir = join(dataDir(), 'herlev');
  const units = unitsOf(loadSplit('herlev'), part);
  for (const r of parseCsv(readFileSync(join(dir, 'manifest.csv'), 'utf8')))
    if (units.has(r.id) || units.has(r.group))
      yield { kind: 'herlev cells', image: await readImage(join(dir, 'images', `${r.id}.jpg`)) };
  const labelled = readCricCells();
  let k = 0;
  for (const f of [...unitsOf(loadSplit('cric'), part)].sort()) {
    const img = await readImage(cricFieldPath(f));
    const pts = labelled.filter((c) => c.field === f);
    const near = (p: { x: number; y: number }): number =>
      pts.filter((q) => Math.abs(q.x - p.x) < 128 && Math.abs(q.y - p.y) < 128).length;
    const dense = pts.reduce((a, b) => (near(b) > near(a) ? b : a), pts[0]);
    const spots: [number, number, number][] = [[dense.x, dense.y, 256]];
    for (const side of [256, 224, 200]) {
      k++;
      spots.push([
        128 + (((k * 7919) % 1000) / 1000) * (img.width - 256),
        128 + (((k * 104729) % 997) / 997) * (img.height - 256),
        side,
      ]);
    }
    for (const [cx, cy, side] of spots) {
      const x0 = Math.max(0, Math.min(img.width - side, Math.round(cx - side / 2)));
      const y0 = Math.max(0, Math.min(img.height - side, Math.round(cy - side / 2)));
      yield { kind: 'cric crops', image: cropRgba(img, x0, y0, side, side) };
    }
  }
  if (!halfCopies) return;
  const half = (im: RgbaImage): RgbaImage =>
    resizeRgba(im, Math.max(1, Math.round(im.width / 2)), Math.max(1, Math.round(im.height / 2)));
  const sd = unitsOf(loadSplit('herlev-sd'), part);
  for (const s of herlevSamples())
    if (sd.has(s.id) || sd.has(s.group))
      yield { kind: 'herlev-sd x0.5', image: half(await readImage(s.imagePath)) };
  const isbi = unitsOf(loadSplit('isbi2014'), part);
  for (const s of isbiSamples('synthetic'))
    if (isbi.has(s.id) || isbi.has(s.group))
      yield { kind: 'synthetic x0.5', image: half(await readImage(s.imagePath)) };
}
