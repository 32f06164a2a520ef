/**
 * Does the staged nucleus search (CELL_SEARCH) pick the same primary nucleus as the exhaustive
 * one (FULL_CELL_SEARCH)? Herlev train+val only (never test):
 *   npx tsx scripts/cell-finder-compare.ts [--parts train,val] [--every 1]
 * Same = outline IoU ≥ 0.5 (or both fell back). Also network passes per image, and their input
 * area in 128² units (the model pads inputs to ≥ 128 px, multiples of 16; public/models/seg).
 * Each side is segmented once per image and shared by both searches (segmentation is
 * deterministic), so this costs about one exhaustive search per image.
 */
import { parseArgs } from 'node:util';
import { initNodeTf } from '../src/cli/tf-node';
import {
  CELL_SEARCH,
  FULL_CELL_SEARCH,
  findCellNuclei,
  type CellNuclei,
} from '../src/core/cell/primary-nucleus';
import type { RgbaImage } from '../src/core/image/types';
import { loadPipelineModels, type SegAdapter, type SegOutput } from '../src/core/pipeline/models';
import { herlevCells } from '../src/data/cell-manifest';
import { readImage } from '../src/data/read-image';
import { loadSplit, type Part } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';
import { fillPolygon } from '../src/core/util/geometry';

function primaryIoU(a: CellNuclei, b: CellNuclei, w: number, h: number): number {
  if (a.method === b.method && a.method !== 'segmentation') return 1;
  if (a.method !== b.method) return 0;
  const ma = fillPolygon(a.nuclei[a.primary].contour, w, h);
  const mb = fillPolygon(b.nuclei[b.primary].contour, w, h);
  let inter = 0;
  let uni = 0;
  for (let i = 0; i < ma.length; i++) {
    if (ma[i] && mb[i]) inter++;
    if (ma[i] || mb[i]) uni++;
  }
  return uni ? inter / uni : 0;
}

/** Padded network input area of one pass, in 128² units. */
function units(w: number, h: number, scale: number): number {
  const pad = (n: number): number => Math.max(128, Math.ceil(Math.round(n * scale) / 16) * 16);
  return (pad(w) * pad(h)) / 128 ** 2;
}

/** Memoises one image's segmentations and counts the passes each search asks for. */
function counting(
  inner: SegAdapter,
  memo: Map<number, SegOutput>,
  tally: { passes: number; units: number },
): SegAdapter {
  return {
    version: inner.version,
    dispose: () => undefined,
    async segment(image: RgbaImage, mode, scale = 1) {
      tally.passes++;
      tally.units += units(image.width, image.height, scale);
      let s = memo.get(scale);
      if (!s) {
        s = await inner.segment(image, mode, scale);
        memo.set(scale, s);
      }
      return s;
    },
  };
}

const { values } = parseArgs({
  options: {
    parts: { type: 'string', default: 'train,val' },
    every: { type: 'string', default: '1' },
  },
});
await initNodeTf();
const models = await loadPipelineModels(nodeModelSource(), { classifier: false });
if (!models.seg) throw new Error('no segmentation model');
const hs = loadSplit('herlev');
const groups = new Set((values.parts.split(',') as Part[]).flatMap((p) => hs.parts[p]));
const every = Math.max(1, Number(values.every));
const cells = herlevCells()
  .filter((c) => groups.has(c.group))
  .filter((_, i) => i % every === 0);
const full = { passes: 0, units: 0 };
const staged = { passes: 0, units: 0 };
let same = 0;
let iouSum = 0;
const differ: string[] = [];
for (const c of cells) {
  const img = await readImage(c.imagePath);
  const memo = new Map<number, SegOutput>();
  const a = await findCellNuclei(
    img,
    counting(models.seg, memo, full),
    undefined,
    FULL_CELL_SEARCH,
  );
  const b = await findCellNuclei(img, counting(models.seg, memo, staged), undefined, CELL_SEARCH);
  const iou = primaryIoU(a, b, img.width, img.height);
  iouSum += iou;
  if (iou >= 0.5) same++;
  else
    differ.push(
      `${c.id} ${c.herlevClass}: full ${a.method} score ${a.score.toFixed(2)}, staged ${b.method} score ${b.score.toFixed(2)}`,
    );
}
const n = cells.length;
console.log(
  JSON.stringify({
    cells: n,
    samePrimary: same,
    samePrimaryPct: +((100 * same) / n).toFixed(1),
    meanIoU: +(iouSum / n).toFixed(3),
    passesPerImage: {
      full: +(full.passes / n).toFixed(2),
      staged: +(staged.passes / n).toFixed(2),
    },
    units128PerImage: {
      full: +(full.units / n).toFixed(2),
      staged: +(staged.units / n).toFixed(2),
    },
  }),
);
for (const d of differ) console.log(d);
models.dispose();
