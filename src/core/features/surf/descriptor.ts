import { haarXY, type IntegralImage } from './integral';

/** Length of the extended SURF descriptor (4×4 sub-regions × 8 sums). */
export const SURF_DESCRIPTOR_SIZE = 128;

// Orientation samples: radius 6s at step s, Gaussian σ = 2s (Bay et al. 2008 §4.1).
const ORI_SAMPLES: { i: number; j: number; w: number }[] = [];
for (let i = -6; i <= 6; i++) {
  for (let j = -6; j <= 6; j++) {
    if (i * i + j * j < 36) ORI_SAMPLES.push({ i, j, w: Math.exp(-(i * i + j * j) / (2 * 2 * 2)) });
  }
}
const WINDOW = Math.PI / 3;
// Scratch for haarXY (single-threaded per worker, so one shared buffer is safe).
const hxy = new Float64Array(2);
const TWO_PI = 2 * Math.PI;

/**
 * Dominant orientation: Haar responses (side 4s) around the point, then a sliding π/3 window
 * over their angles; the window with the longest summed vector wins. Windows start at every
 * response's angle (the exact maximum over all window positions, unlike a fixed angular step).
 */
export function orientation(ii: IntegralImage, x: number, y: number, scale: number): number {
  const size = 2 * Math.max(1, Math.round(2 * scale));
  const n = ORI_SAMPLES.length;
  const rx = new Float64Array(n);
  const ry = new Float64Array(n);
  const ang = new Float64Array(n);
  let m = 0;
  const cx = Math.round(x);
  const cy = Math.round(y);
  for (const s of ORI_SAMPLES) {
    const px = cx + Math.round(s.i * scale);
    const py = cy + Math.round(s.j * scale);
    haarXY(ii, px, py, size, hxy);
    const dx = s.w * hxy[0];
    const dy = s.w * hxy[1];
    if (dx === 0 && dy === 0) continue;
    rx[m] = dx;
    ry[m] = dy;
    let a = Math.atan2(dy, dx);
    if (a < 0) a += TWO_PI;
    ang[m] = a;
    m++;
  }
  if (m === 0) return 0;
  // Numeric typed-array sort on (quantised angle, index) keys: far cheaper than a comparator
  // sort; ties within 1e-6 rad fall back to sample order, so the result stays deterministic.
  const keys = new Float64Array(m);
  for (let k = 0; k < m; k++) keys[k] = Math.floor(ang[k] * 1048576) * 128 + k;
  keys.sort();
  // Angles unrolled twice (second copy + 2π) so wrap-around windows are contiguous.
  const sa = new Float64Array(2 * m);
  const sx = new Float64Array(2 * m);
  const sy = new Float64Array(2 * m);
  for (let k = 0; k < m; k++) {
    const idx = keys[k] % 128;
    sa[k] = ang[idx];
    sa[k + m] = ang[idx] + TWO_PI;
    sx[k] = sx[k + m] = rx[idx];
    sy[k] = sy[k + m] = ry[idx];
  }
  let best = -1;
  let bestX = 0;
  let bestY = 0;
  let end = 0;
  let wx = 0;
  let wy = 0;
  for (let start = 0; start < m; start++) {
    const stop = sa[start] + WINDOW;
    while (end < start + m && sa[end] < stop) {
      wx += sx[end];
      wy += sy[end];
      end++;
    }
    const len = wx * wx + wy * wy;
    if (len > best) {
      best = len;
      bestX = wx;
      bestY = wy;
    }
    wx -= sx[start];
    wy -= sy[start];
  }
  let a = Math.atan2(bestY, bestX);
  if (a < 0) a += TWO_PI;
  return a;
}

// Descriptor grid: 20×20 samples at spacing s over a 20s square, Gaussian σ = 3.3s.
const GRID = 20;
const GRID_U = Array.from({ length: GRID }, (_, k) => k - (GRID - 1) / 2);
const GRID_W = new Float64Array(GRID * GRID);
for (let a = 0; a < GRID; a++) {
  for (let b = 0; b < GRID; b++) {
    GRID_W[a * GRID + b] = Math.exp(-(GRID_U[a] ** 2 + GRID_U[b] ** 2) / (2 * 3.3 * 3.3));
  }
}

/**
 * Extended (128-D) SURF descriptor (Bay et al. 2008 §4.2): 4×4 sub-regions of 5×5 samples,
 * Haar responses of side 2s expressed in the keypoint's frame, Gaussian-weighted; per sub-region
 * Σdx and Σ|dx| split by the sign of dy, Σdy and Σ|dy| split by the sign of dx; unit length.
 * Writes into out[offset .. offset+128).
 */
export function describePoint(
  ii: IntegralImage,
  x: number,
  y: number,
  scale: number,
  theta: number,
  out: Float32Array,
  offset: number,
): void {
  const size = 2 * Math.max(1, Math.round(scale));
  const co = Math.cos(theta);
  const si = Math.sin(theta);
  const acc = new Float64Array(SURF_DESCRIPTOR_SIZE);
  for (let a = 0; a < GRID; a++) {
    // a indexes v (rows of the keypoint frame), b indexes u (columns).
    const v = GRID_U[a];
    for (let b = 0; b < GRID; b++) {
      const u = GRID_U[b];
      const px = Math.round(x + scale * (u * co - v * si));
      const py = Math.round(y + scale * (u * si + v * co));
      haarXY(ii, px, py, size, hxy);
      const hx = hxy[0];
      const hy = hxy[1];
      const w = GRID_W[a * GRID + b];
      // Rotate the image-frame gradient into the keypoint frame.
      const du = w * (hx * co + hy * si);
      const dv = w * (-hx * si + hy * co);
      const base = (((a / 5) | 0) * 4 + ((b / 5) | 0)) * 8;
      if (dv < 0) {
        acc[base] += du;
        acc[base + 1] += Math.abs(du);
      } else {
        acc[base + 2] += du;
        acc[base + 3] += Math.abs(du);
      }
      if (du < 0) {
        acc[base + 4] += dv;
        acc[base + 5] += Math.abs(dv);
      } else {
        acc[base + 6] += dv;
        acc[base + 7] += Math.abs(dv);
      }
    }
  }
  let norm = 0;
  for (let k = 0; k < SURF_DESCRIPTOR_SIZE; k++) norm += acc[k] * acc[k];
  norm = Math.sqrt(norm);
  const inv = norm > 0 ? 1 / norm : 0;
  for (let k = 0; k < SURF_DESCRIPTOR_SIZE; k++) out[offset + k] = acc[k] * inv;
}
