import type { RgbaImage } from '../core/image/types';
import { mulberry32 } from '../core/util/random';
import { cricFieldPath, readCricCells } from '../data/datasets';
import { hasData } from '../data/paths';
import { readImage } from '../data/read-image';

/**
 * The default bench field when ../shared is present: the densest CRIC test-split field by objects
 * outlined (issue 13: a bench on a sparse field misled us) — 177 with the stage-2 segmenter, 218
 * with stage 5. Chosen by running `paplens bench --fields default` (docs/PERFORMANCE.md).
 */
export const DENSE_BENCH_FIELD = { field: 'abaafc46c2b0cecef1ddb0ba3202ae74.jpg' };

/** Nuclei drawn in the synthetic fallback field; the stage-5 segmenter outlines 169 (≥ 150, as dense as the real one). */
export const SYNTHETIC_FIELD_NUCLEI = 175;

/**
 * A seeded synthetic 1280×960 "field" (pale background, pale cytoplasm, 175 dark nuclei that do
 * not touch; drawn like syntheticSegImage, which the segmentation model detects) used by the Node
 * and browser benches when ../shared is absent, so both time the same input.
 */
export function syntheticBenchField(): RgbaImage {
  const w = 1280;
  const h = 960;
  const r = mulberry32(11);
  const nuclei: { x: number; y: number; r: number }[] = [];
  while (nuclei.length < SYNTHETIC_FIELD_NUCLEI) {
    const c = { x: 30 + r() * (w - 60), y: 30 + r() * (h - 60), r: 9 + r() * 5 };
    if (nuclei.every((p) => (p.x - c.x) ** 2 + (p.y - c.y) ** 2 > (p.r + c.r + 8) ** 2))
      nuclei.push(c);
  }
  const grey = new Float32Array(w * h).fill(230);
  for (const c of nuclei)
    for (let y = Math.max(0, Math.floor(c.y - 3 * c.r)); y < Math.min(h, c.y + 3 * c.r); y++)
      for (let x = Math.max(0, Math.floor(c.x - 3 * c.r)); x < Math.min(w, c.x + 3 * c.r); x++) {
        const d2 = (x - c.x) ** 2 + (y - c.y) ** 2;
        const i = y * w + x;
        if (d2 < c.r * c.r) grey[i] = 80;
        else if (d2 < 9 * c.r * c.r && grey[i] > 195) grey[i] = 195;
      }
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const v = grey[i] + (r() - 0.5) * 16;
    data.set([v - 10, v - 20, v, 255], 4 * i);
  }
  return { width: w, height: h, data };
}

/** The bench field and one of its cells (for the per-cell stages), with a description. */
export async function benchField(): Promise<{
  field: RgbaImage;
  cell: { x: number; y: number };
  source: string;
}> {
  if (hasData()) {
    const c = readCricCells().find((x) => x.field === DENSE_BENCH_FIELD.field);
    if (c) {
      const field = await readImage(cricFieldPath(c.field));
      return {
        field,
        cell: { x: c.x, y: c.y },
        source: `dense CRIC test field ${c.field} (${field.width}×${field.height}, the test split's most outlined objects)`,
      };
    }
  }
  const field = syntheticBenchField();
  return {
    field,
    cell: { x: 640, y: 480 },
    source: `seeded synthetic ${field.width}×${field.height} field with ${SYNTHETIC_FIELD_NUCLEI} drawn nuclei (no ../shared)`,
  };
}

/**
 * A seeded synthetic single cell (200×200: pale background, one polygonal-ish cytoplasm, one dark
 * oval nucleus off centre), for pictures and checks that must not use ../shared data (the docs'
 * screenshots are committed, and nothing from ../shared may be).
 */
export function syntheticCellImage(): RgbaImage {
  const w = 200;
  const h = 200;
  const r = mulberry32(5);
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const dx = x - 100;
      const dy = y - 104;
      const a = Math.atan2(dy, dx);
      // A wavy cytoplasm edge and a slightly tilted oval nucleus.
      const edge = 72 + 6 * Math.sin(3 * a) + 4 * Math.cos(5 * a);
      const inCyto = Math.hypot(dx, dy * 1.2) < edge;
      const nx = (x - 94) * 0.94 + (y - 98) * 0.34;
      const ny = -(x - 94) * 0.34 + (y - 98) * 0.94;
      const inNucleus = (nx / 17) ** 2 + (ny / 13) ** 2 < 1;
      const n = (r() - 0.5) * 14;
      const [cr, cg, cb] = inNucleus ? [92, 70, 118] : inCyto ? [178, 196, 214] : [232, 228, 236];
      data.set([cr + n, cg + n, cb + n, 255], 4 * (y * w + x));
    }
  return { width: w, height: h, data };
}
