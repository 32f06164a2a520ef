import { resizeRgba } from '../image/ops';
import type { RgbaImage } from '../image/types';

/**
 * Side of the whole-cell view the single-cell (Herlev) classifier sees: the CNN input size, and
 * the image LBP and SURF-BoF are computed on. Like the paper, the single-cell classifier looks at
 * the whole cell image rather than a crop at a fixed pixel size: Herlev images have no common
 * pixel size (nuclei ~10–100 px across), but each is framed around one cell.
 */
export const CELL_VIEW_SIZE = 128;

/**
 * The image padded to a centred square (edge pixels repeated, like `cropCell`; Herlev's own
 * padding is a flat border colour, so repeating the edge matches it) and resized to `size`.
 * One function for training export, CLI and app.
 */
export function cellImageView(image: RgbaImage, size = CELL_VIEW_SIZE): RgbaImage {
  const side = Math.max(image.width, image.height);
  let square = image;
  if (image.width !== image.height) {
    const data = new Uint8ClampedArray(side * side * 4);
    const x0 = Math.floor((side - image.width) / 2);
    const y0 = Math.floor((side - image.height) / 2);
    for (let y = 0; y < side; y++) {
      const sy = Math.min(Math.max(y - y0, 0), image.height - 1);
      for (let x = 0; x < side; x++) {
        const sx = Math.min(Math.max(x - x0, 0), image.width - 1);
        const s = 4 * (sy * image.width + sx);
        const o = 4 * (y * side + x);
        data[o] = image.data[s];
        data[o + 1] = image.data[s + 1];
        data[o + 2] = image.data[s + 2];
        data[o + 3] = 255;
      }
    }
    square = { width: side, height: side, data };
  }
  return side === size ? square : resizeRgba(square, size, size);
}

/**
 * The k-th of the 8 dihedral transforms of a square image (k = 0 identity; 1–3 rotations by
 * 90°, 180°, 270°; 4–7 the same after a horizontal flip). Cells have no orientation, so features
 * averaged over these views (test-time augmentation) describe the cell, not its pose.
 */
export function dihedral(img: RgbaImage, k: number): RgbaImage {
  if (k === 0) return img;
  const n = img.width;
  if (img.height !== n) throw new Error('dihedral views need a square image');
  const out = new Uint8ClampedArray(img.data.length);
  const flip = k >= 4;
  const rot = k % 4;
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      let sx = flip ? n - 1 - x : x;
      let sy = y;
      for (let r = 0; r < rot; r++) {
        const t = sx;
        sx = sy;
        sy = n - 1 - t;
      }
      const s = 4 * (sy * n + sx);
      const o = 4 * (y * n + x);
      out[o] = img.data[s];
      out[o + 1] = img.data[s + 1];
      out[o + 2] = img.data[s + 2];
      out[o + 3] = img.data[s + 3];
    }
  return { width: n, height: n, data: out };
}
