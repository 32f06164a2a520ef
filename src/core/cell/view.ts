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
