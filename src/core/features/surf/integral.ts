import type { GreyImage } from '../../image/types';

/**
 * Summed-area table of a grey image surrounded by `pad` pixels of edge replication, so box filters
 * and Haar wavelets that reach past the image border see a continued image instead of a black
 * frame (which would create strong false edges on small cell crops). Float64 keeps box sums of
 * large images exact enough.
 */
export interface IntegralImage {
  /** Size of the original image. */
  width: number;
  height: number;
  pad: number;
  /** Row length of `data` = width + 2·pad + 1. */
  stride: number;
  /** data[(py)·stride + px] = sum of padded pixels with row < py and column < px. */
  data: Float64Array;
}

export function integralImage(img: GreyImage, pad = 0): IntegralImage {
  const { width: w, height: h, data: g } = img;
  const pw = w + 2 * pad;
  const ph = h + 2 * pad;
  const stride = pw + 1;
  const data = new Float64Array(stride * (ph + 1));
  for (let py = 0; py < ph; py++) {
    const sy = Math.min(Math.max(py - pad, 0), h - 1) * w;
    let rowSum = 0;
    const o = (py + 1) * stride;
    const above = py * stride;
    for (let px = 0; px < pw; px++) {
      rowSum += g[sy + Math.min(Math.max(px - pad, 0), w - 1)];
      data[o + px + 1] = data[above + px + 1] + rowSum;
    }
  }
  return { width: w, height: h, pad, stride, data };
}

/**
 * Sum over image rows [y, y+h) and columns [x, x+w) (image coordinates, may be negative).
 * Parts beyond the padded area count as zero.
 */
export function boxSum(ii: IntegralImage, x: number, y: number, w: number, h: number): number {
  const p = ii.pad;
  const maxX = ii.width + 2 * p;
  const maxY = ii.height + 2 * p;
  const x0 = Math.min(Math.max(x + p, 0), maxX);
  const x1 = Math.min(Math.max(x + w + p, 0), maxX);
  const y0 = Math.min(Math.max(y + p, 0), maxY);
  const y1 = Math.min(Math.max(y + h + p, 0), maxY);
  const d = ii.data;
  const s = ii.stride;
  return d[y1 * s + x1] - d[y0 * s + x1] - d[y1 * s + x0] + d[y0 * s + x0];
}

/**
 * Both Haar responses (x: right − left half, y: bottom − top half) of side `size` (even) at
 * integer (x, y), written to out[0], out[1]. Six table reads each when the support lies inside
 * the padded table (the common case), the clamped box sums otherwise.
 */
export function haarXY(
  ii: IntegralImage,
  x: number,
  y: number,
  size: number,
  out: Float64Array,
): void {
  const h = size >> 1;
  const p = ii.pad;
  const px = x + p;
  const py = y + p;
  if (px - h < 0 || py - h < 0 || px + h > ii.width + 2 * p || py + h > ii.height + 2 * p) {
    out[0] = haarX(ii, x, y, size);
    out[1] = haarY(ii, x, y, size);
    return;
  }
  const d = ii.data;
  const s = ii.stride;
  const top = (py - h) * s;
  const mid = py * s;
  const bot = (py + h) * s;
  const l = px - h;
  const r = px + h;
  out[0] = d[bot + r] - d[top + r] - 2 * (d[bot + px] - d[top + px]) + d[bot + l] - d[top + l];
  out[1] = d[bot + r] - d[bot + l] - 2 * (d[mid + r] - d[mid + l]) + d[top + r] - d[top + l];
}

/** Haar wavelet response in x (right half minus left half) of side `size` (even) centred at (x, y). */
export function haarX(ii: IntegralImage, x: number, y: number, size: number): number {
  const h = size >> 1;
  return boxSum(ii, x, y - h, h, size) - boxSum(ii, x - h, y - h, h, size);
}

/** Haar wavelet response in y (bottom half minus top half). */
export function haarY(ii: IntegralImage, x: number, y: number, size: number): number {
  const h = size >> 1;
  return boxSum(ii, x - h, y, size, h) - boxSum(ii, x - h, y - h, size, h);
}

/** Bilinear grey resize (pixel-centre aligned, same convention as resizeRgba). */
export function resizeGrey(img: GreyImage, width: number, height: number): GreyImage {
  const out = new Float32Array(width * height);
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
      const top = src[y0 * img.width + x0] * (1 - wx) + src[y0 * img.width + x1] * wx;
      const bot = src[y1 * img.width + x0] * (1 - wx) + src[y1 * img.width + x1] * wx;
      out[y * width + x] = top * (1 - wy) + bot * wy;
    }
  }
  return { width, height, data: out };
}

/** Integer-factor box-average downscale (bounded work on huge images; no aliasing). */
export function downscaleGrey(img: GreyImage, factor: number): GreyImage {
  const w = Math.max(1, Math.floor(img.width / factor));
  const h = Math.max(1, Math.floor(img.height / factor));
  const out = new Float32Array(w * h);
  const inv = 1 / (factor * factor);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (y * factor + dy) * img.width + x * factor;
        for (let dx = 0; dx < factor; dx++) s += img.data[row + dx];
      }
      out[y * w + x] = s * inv;
    }
  }
  return { width: w, height: h, data: out };
}
