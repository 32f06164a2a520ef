import type { RgbaImage } from '../core/image/types';
import { mulberry32 } from '../core/util/random';
import { cricFieldPath, readCricCells } from '../data/datasets';
import { hasData } from '../data/paths';
import { readImage } from '../data/read-image';

/**
 * The default bench field when ../shared is present: the densest CRIC test-split field by nuclei
 * the shipped model detects (issue 13: a bench on a sparse field misled us). Chosen by running
 * `paplens bench --fields default` (docs/PERFORMANCE.md).
 */
export const DENSE_BENCH_FIELD = { field: 'abaafc46c2b0cecef1ddb0ba3202ae74.jpg', nuclei: 177 };

/** Blobs in the synthetic fallback field: as dense as the real one (≥ 150 nuclei). */
export const SYNTHETIC_FIELD_NUCLEI = 160;

/**
 * A seeded synthetic 1280×960 "field" (pale background, 160 dark round blobs, not overlapping)
 * used by the Node and browser benches when ../shared is absent, so both time the same input.
 */
export function syntheticBenchField(): RgbaImage {
  const w = 1280;
  const h = 960;
  const r = mulberry32(11);
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++)
    data.set([215 + r() * 20, 205 + r() * 20, 220 + r() * 20, 255], 4 * i);
  const placed: { x: number; y: number; r: number }[] = [];
  while (placed.length < SYNTHETIC_FIELD_NUCLEI) {
    const cx = 40 + r() * (w - 80);
    const cy = 40 + r() * (h - 80);
    const rad = 8 + r() * 12;
    if (placed.some((p) => (p.x - cx) ** 2 + (p.y - cy) ** 2 < (p.r + rad + 6) ** 2)) continue;
    placed.push({ x: cx, y: cy, r: rad });
    for (let y = Math.floor(cy - rad); y <= cy + rad; y++)
      for (let x = Math.floor(cx - rad); x <= cx + rad; x++)
        if ((x - cx) ** 2 + (y - cy) ** 2 <= rad * rad)
          data.set([80 + r() * 30, 60 + r() * 30, 120 + r() * 30, 255], 4 * (y * w + x));
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
        source: `dense CRIC test field ${c.field} (${field.width}×${field.height}, ${DENSE_BENCH_FIELD.nuclei} nuclei detected)`,
      };
    }
  }
  const field = syntheticBenchField();
  return {
    field,
    cell: { x: 640, y: 480 },
    source: `seeded synthetic ${field.width}×${field.height} field with ${SYNTHETIC_FIELD_NUCLEI} nuclei (no ../shared)`,
  };
}
