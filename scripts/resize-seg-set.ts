/**
 * Resized copies of a segmentation evaluation set, for the scale sweep of docs/SEGMENTATION.md
 * ("How the scale is chosen"). Images bilinear (resizeRgba, as the app), masks nearest, CRIC points
 * scaled. The layout keeps `eval-seg --split` working (parent folder name = the set kind,
 * manifest.csv copied for Herlev-SD groups). Only the named split part is written.
 *   npx tsx scripts/resize-seg-set.ts --factor F --out DIR --set herlev-sd|edf|synthetic|cric --part val|test
 * writes DIR/herlev-sd/{images,masks,manifest.csv}, DIR/isbi2014/<edf|synthetic>/{images,masks} or
 * DIR/cric/{fields,cells.csv}.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { encode } from 'fast-png';
import { resizeMask, resizeRgba } from '../src/core/image/ops';
import type { RgbaImage } from '../src/core/image/types';
import { herlevSamples, isbiSamples, readCricCells, cricFieldPath } from '../src/data/datasets';
import { readImage, readMask } from '../src/data/read-image';
import { loadSplit, unitsOf, type Part } from '../src/data/splits';
import { dataDir } from '../src/data/paths';

const { values } = parseArgs({
  options: {
    factor: { type: 'string' },
    out: { type: 'string' },
    set: { type: 'string' },
    part: { type: 'string', default: 'val' },
  },
});
const f = Number(values.factor);
const set = values.set as string;
const part = values.part as Part;
if (!(f > 0) || !values.out || !['herlev-sd', 'edf', 'synthetic', 'cric'].includes(set))
  throw new Error('usage: --factor F --out DIR --set herlev-sd|edf|synthetic|cric --part val|test');
const size = (w: number): number => Math.max(1, Math.round(w * f));
const png = (img: RgbaImage): Uint8Array =>
  encode({
    width: img.width,
    height: img.height,
    data: new Uint8Array(img.data.buffer),
    channels: 4,
  });

if (set === 'cric') {
  const dir = join(values.out, 'cric');
  mkdirSync(join(dir, 'fields'), { recursive: true });
  const units = unitsOf(loadSplit('cric'), part);
  const cells = readCricCells().filter((c) => units.has(c.field));
  const lines = ['cell_id,bethesda_system,image_id,field,x,y'];
  for (const field of new Set(cells.map((c) => c.field))) {
    const img = await readImage(cricFieldPath(field));
    const r = resizeRgba(img, size(img.width), size(img.height));
    // PNG under the same name (eval-seg finds fields by name; the decoder sniffs the format).
    writeFileSync(join(dir, 'fields', field), png(r));
  }
  for (const c of cells)
    lines.push(
      [c.cellId, c.label, c.imageId, c.field, Math.round(c.x * f), Math.round(c.y * f)].join(','),
    );
  writeFileSync(join(dir, 'cells.csv'), lines.join('\n') + '\n');
} else {
  const dir = set === 'herlev-sd' ? join(values.out, set) : join(values.out, 'isbi2014', set);
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'masks'), { recursive: true });
  const split = loadSplit(set === 'herlev-sd' ? 'herlev-sd' : 'isbi2014');
  const units = unitsOf(split, part);
  const samples = set === 'herlev-sd' ? herlevSamples() : isbiSamples(set as 'edf' | 'synthetic');
  if (set === 'herlev-sd')
    copyFileSync(join(dataDir(), 'herlev-sd', 'manifest.csv'), join(dir, 'manifest.csv'));
  for (const s of samples.filter((x) => units.has(x.group))) {
    const img = await readImage(s.imagePath);
    const mask = await readMask(s.maskPath);
    const name = basename(s.imagePath).replace(/\.[^.]+$/, '.png');
    writeFileSync(
      join(dir, 'images', name),
      png(resizeRgba(img, size(img.width), size(img.height))),
    );
    const m = resizeMask(mask, size(mask.width), size(mask.height));
    const rgba = new Uint8ClampedArray(m.width * m.height * 4);
    for (let i = 0; i < m.data.length; i++) {
      const v = m.data[i] ? 255 : 0;
      rgba.set([v, v, v, 255], 4 * i);
    }
    writeFileSync(join(dir, 'masks', name), png({ width: m.width, height: m.height, data: rgba }));
  }
}
console.log(`wrote ${set}:${part} ×${f} to ${values.out}`);
