// A pyramidal TIFF mosaic of CRIC fields with every labelled CRIC point mapped to slide (level-0)
// coordinates (issue 14), generated on demand: nothing from ../shared is committed. Used by
// scripts/make-test-slide.ts and the mosaic e2e (e2e/slide-cric.spec.ts).
import { syntheticBenchField } from '../../src/cli/bench-inputs';
import type { RgbaImage } from '../../src/core/image/types';
import { cricFieldPath, readCricCells } from '../../src/data/datasets';
import { hasData } from '../../src/data/paths';
import { readImage } from '../../src/data/read-image';
import { loadSplit, unitsOf, type Part } from '../../src/data/splits';
import { encodeSlide } from './slide-writer';

/** Each field's place in the mosaic (CRIC fields are 1376 × 1020; the rest is cut). */
export const FIELD_W = 1280;
export const FIELD_H = 960;

export interface MosaicPoint {
  cellId: string;
  /** The Bethesda class CRIC gives the cell (NILM, ASC-US, LSIL, …). */
  label: string;
  field: string;
  /** Level-0 slide coordinates of the labelled nucleus centre. */
  x: number;
  y: number;
}

export interface Mosaic {
  bytes: Uint8Array;
  width: number;
  height: number;
  fields: string[];
  points: MosaicPoint[];
}

export interface MosaicOptions {
  split?: Part;
  /** Index of the first field in the split's sorted list (default 0). */
  first?: number;
  cols: number;
  rows: number;
  onField?: (k: number, total: number, name: string) => void;
}

/** The mosaic as a pyramidal JPEG-tiled TIFF (BigTIFF when large). */
export async function buildCricMosaic(o: MosaicOptions): Promise<Mosaic> {
  const { image, fields, points } = await composeCricMosaic(o);
  const bytes = encodeSlide(image, {
    compression: 'jpeg',
    jpegQuality: 92,
    tile: 256,
    pyramidLevels: 3,
    bigTiff: image.width * image.height > 100_000_000,
  });
  return { bytes, width: image.width, height: image.height, fields, points };
}

/**
 * cols × rows CRIC fields of `split` (sorted by name, so the mosaic is the same on every machine;
 * fields repeat when the mosaic has more places), or seeded synthetic fields without ../shared.
 */
export async function composeCricMosaic(
  o: MosaicOptions,
): Promise<{ image: RgbaImage; fields: string[]; points: MosaicPoint[] }> {
  const W = o.cols * FIELD_W;
  const H = o.rows * FIELD_H;
  const slide: RgbaImage = {
    width: W,
    height: H,
    data: new Uint8ClampedArray(W * H * 4).fill(255),
  };
  const points: MosaicPoint[] = [];
  const names = hasData() ? [...unitsOf(loadSplit('cric'), o.split ?? 'test')].sort() : [];
  const cells = hasData() ? readCricCells() : [];
  const used: string[] = [];
  for (let k = 0; k < o.cols * o.rows; k++) {
    const ox = (k % o.cols) * FIELD_W;
    const oy = Math.floor(k / o.cols) * FIELD_H;
    let img: RgbaImage;
    let name = 'synthetic';
    if (names.length > 0) {
      name = names[((o.first ?? 0) + k) % names.length];
      img = await readImage(cricFieldPath(name));
      // Points inside the part of the field that is kept.
      for (const c of cells.filter((c) => c.field === name && c.x < FIELD_W && c.y < FIELD_H))
        points.push({
          cellId: String(c.cellId),
          label: String(c.label),
          field: name,
          x: ox + c.x,
          y: oy + c.y,
        });
    } else img = syntheticBenchField();
    for (let y = 0; y < Math.min(FIELD_H, img.height); y++)
      slide.data.set(
        img.data.subarray(4 * y * img.width, 4 * (y * img.width + Math.min(FIELD_W, img.width))),
        4 * ((oy + y) * W + ox),
      );
    used.push(name);
    o.onField?.(k + 1, o.cols * o.rows, name);
  }
  return { image: slide, fields: used, points };
}
