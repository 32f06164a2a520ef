import type { GreyImage, Mask, RgbaImage } from './types';

/** ITU-R BT.601 luma in 0..1: the grey conversion every stage shares (so colour and grey inputs match). */
export function toGrey(img: RgbaImage): GreyImage {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    out[i] = (0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]) / 255;
  }
  return { width: img.width, height: img.height, data: out };
}

/** Bilinear resize of RGBA pixels (pixel-centre aligned, like OpenCV/PIL INTER_LINEAR without antialias). */
export function resizeRgba(img: RgbaImage, width: number, height: number): RgbaImage {
  if (width === img.width && height === img.height) {
    return { width, height, data: new Uint8ClampedArray(img.data) };
  }
  const out = new Uint8ClampedArray(width * height * 4);
  const sx = img.width / width;
  const sy = img.height / height;
  const src = img.data;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      const o = 4 * (y * width + x);
      const a = 4 * (y0 * img.width + x0);
      const b = 4 * (y0 * img.width + x1);
      const c = 4 * (y1 * img.width + x0);
      const e = 4 * (y1 * img.width + x1);
      for (let k = 0; k < 4; k++) {
        const top = src[a + k] * (1 - wx) + src[b + k] * wx;
        const bot = src[c + k] * (1 - wx) + src[e + k] * wx;
        out[o + k] = top * (1 - wy) + bot * wy;
      }
    }
  }
  return { width, height, data: out };
}

/** Nearest-neighbour resize for masks (labels must not be interpolated). */
export function resizeMask(mask: Mask, width: number, height: number): Mask {
  const out = new (mask.data instanceof Int32Array ? Int32Array : Uint8Array)(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.floor(((y + 0.5) * mask.height) / height), mask.height - 1);
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.floor(((x + 0.5) * mask.width) / width), mask.width - 1);
      out[y * width + x] = mask.data[sy * mask.width + sx];
    }
  }
  return { width, height, data: out };
}

/**
 * Crop a rectangle; parts outside the image are filled with `fill` (RGBA),
 * so crops near the border keep their requested size and the nucleus stays centred.
 */
export function cropRgba(
  img: RgbaImage,
  x0: number,
  y0: number,
  width: number,
  height: number,
  fill: readonly [number, number, number, number] = [255, 255, 255, 255],
): RgbaImage {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = y0 + y;
    for (let x = 0; x < width; x++) {
      const sx = x0 + x;
      const o = 4 * (y * width + x);
      if (sx < 0 || sy < 0 || sx >= img.width || sy >= img.height) {
        out[o] = fill[0];
        out[o + 1] = fill[1];
        out[o + 2] = fill[2];
        out[o + 3] = fill[3];
      } else {
        const s = 4 * (sy * img.width + sx);
        out[o] = img.data[s];
        out[o + 1] = img.data[s + 1];
        out[o + 2] = img.data[s + 2];
        out[o + 3] = img.data[s + 3];
      }
    }
  }
  return { width, height, data: out };
}

/** Mask → Uint8 0/1 (any nonzero counts as foreground). */
export function binarize(mask: Mask): Uint8Array {
  const out = new Uint8Array(mask.width * mask.height);
  for (let i = 0; i < out.length; i++) out[i] = mask.data[i] ? 1 : 0;
  return out;
}
