import { MAX_PIXELS } from '../image/decode';
import type { RgbaImage } from '../image/types';
import type { Slide } from './slide';
import { MAX_REGION_PIXELS } from './tiff-slide';

/**
 * Large JPEG/PNG images as slides (issue 14). These formats cannot be read region by region, so
 * the image is decoded once (up to MAX_PIXELS, the stated limit) and held with a pyramid of
 * halvings for the viewer; from then on it is viewed and analysed tile by tile like a tiled TIFF.
 * Memory: 4 bytes per level-0 pixel plus a third of that for the pyramid (≈ 320 MB at 60 MP).
 */

/** A JPEG/PNG at least this big is opened as a slide (the tiled-TIFF threshold, one rule). */
export const RASTER_SLIDE_MIN_PIXELS = 16_000_000;
/** The largest JPEG/PNG opened at all: the single-image decode limit. */
export const RASTER_SLIDE_MAX_PIXELS = MAX_PIXELS;
/** The pyramid stops once a level fits in this many pixels a side (one viewer screen). */
const PYRAMID_MIN_SIDE = 1024;

/** Where pixel buffers come from: shared memory lets two workers hold one copy. */
export type PixelAlloc = (length: number) => Uint8ClampedArray;
export const plainAlloc: PixelAlloc = (length) => new Uint8ClampedArray(length);

/** Half the size, each pixel the mean of its 2×2 block (edge pixels repeat on odd sides). */
export function halveImage(img: RgbaImage, alloc: PixelAlloc = plainAlloc): RgbaImage {
  const w = Math.max(1, Math.floor(img.width / 2));
  const h = Math.max(1, Math.floor(img.height / 2));
  const out = alloc(w * h * 4);
  const src = img.data;
  const sw = img.width;
  for (let y = 0; y < h; y++) {
    const y0 = Math.min(2 * y, img.height - 1);
    const y1 = Math.min(2 * y + 1, img.height - 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.min(2 * x, sw - 1);
      const x1 = Math.min(2 * x + 1, sw - 1);
      const a = 4 * (y0 * sw + x0);
      const b = 4 * (y0 * sw + x1);
      const c = 4 * (y1 * sw + x0);
      const d = 4 * (y1 * sw + x1);
      const o = 4 * (y * w + x);
      for (let k = 0; k < 4; k++)
        out[o + k] = (src[a + k] + src[b + k] + src[c + k] + src[d + k] + 2) >> 2;
    }
  }
  return { width: w, height: h, data: out };
}

/** Level 0 and its halvings down to a level that fits PYRAMID_MIN_SIDE. */
export function rasterPyramid(level0: RgbaImage, alloc: PixelAlloc = plainAlloc): RgbaImage[] {
  const levels = [level0];
  for (let l = level0; Math.max(l.width, l.height) > PYRAMID_MIN_SIDE;) {
    l = halveImage(l, alloc);
    levels.push(l);
  }
  return levels;
}

/** A slide over decoded levels (level 0 first, as rasterPyramid gives them). */
export function rasterSlide(levels: RgbaImage[]): Slide {
  const base = levels[0];
  const bytes = levels.reduce((s, l) => s + l.data.length, 0);
  return {
    width: base.width,
    height: base.height,
    levels: levels.map((l) => ({
      width: l.width,
      height: l.height,
      downsample: base.width / l.width,
    })),
    cachedBytes: () => bytes,
    readRegion(x, y, w, h, levelIndex = 0) {
      const level = levels[levelIndex];
      if (!level) return Promise.reject(new RangeError(`no level ${levelIndex}`));
      if (w * h > MAX_REGION_PIXELS || w < 1 || h < 1)
        return Promise.reject(
          new RangeError(`region ${w}×${h} is outside 1..${MAX_REGION_PIXELS} pixels`),
        );
      const out = new Uint8ClampedArray(w * h * 4);
      // Outside the image: white, like an empty slide area (as tiff-slide.ts).
      out.fill(255);
      const x0 = Math.max(0, x);
      const x1 = Math.min(level.width, x + w);
      for (let sy = Math.max(0, y); sy < Math.min(level.height, y + h); sy++) {
        if (x1 <= x0) break;
        const from = 4 * (sy * level.width + x0);
        out.set(level.data.subarray(from, from + 4 * (x1 - x0)), 4 * ((sy - y) * w + (x0 - x)));
      }
      return Promise.resolve({ width: w, height: h, data: out });
    },
  };
}
