import { resizeRgba } from './ops';
import type { RgbaImage } from './types';

/**
 * Side of the square cell crop, in pixels of the *working scale* (CRIC 1280-px field grid:
 * nuclei ~15–40 px across). 96 px holds the nucleus and a rim of cytoplasm, like the
 * ~100-px crops of the CRIC paper. One constant shared by training, CLI and app.
 */
export const CELL_CROP_SIZE = 96;

/** The image at the working scale (factor `scale`), which cell crops are cut from. */
export function workingImage(image: RgbaImage, scale: number): RgbaImage {
  return scale === 1
    ? image
    : resizeRgba(image, Math.round(image.width * scale), Math.round(image.height * scale));
}

/**
 * Square crop centred on (cx, cy) at working scale; outside the image the nearest edge pixel
 * is repeated (clamp) so border cells do not get an artificial frame the CNNs could learn.
 */
export function cropCell(img: RgbaImage, cx: number, cy: number, size = CELL_CROP_SIZE): RgbaImage {
  const out = new Uint8ClampedArray(size * size * 4);
  const x0 = Math.round(cx) - (size >> 1);
  const y0 = Math.round(cy) - (size >> 1);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(Math.max(y0 + y, 0), img.height - 1);
    for (let x = 0; x < size; x++) {
      const sx = Math.min(Math.max(x0 + x, 0), img.width - 1);
      const s = 4 * (sy * img.width + sx);
      const o = 4 * (y * size + x);
      out[o] = img.data[s];
      out[o + 1] = img.data[s + 1];
      out[o + 2] = img.data[s + 2];
      out[o + 3] = 255;
    }
  }
  return { width: size, height: size, data: out };
}
