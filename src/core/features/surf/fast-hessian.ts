import type { IntegralImage } from './integral';

/**
 * Fast-Hessian detector of SURF (Bay et al., CVIU 2008, §3): determinant of the Hessian
 * approximated with box filters on the integral image, over octaves of filter sizes
 * 9,15,21,27 | 15,27,39,51 | 27,51,75,99 | 51,99,147,195 …, 3×3×3 non-maximum suppression and
 * quadratic sub-pixel / sub-scale interpolation (Brown & Lowe 2002).
 */
export interface DetectorOptions {
  /** Threshold on det(H_approx) of area-normalised responses, image intensities in 0..1. */
  threshold: number;
  /** Number of octaves (each one doubles the filter step and the sampling step). */
  octaves: number;
  /** Sampling step of the first octave (1 = every pixel; Bay et al. use 2 on large images). */
  initStep: number;
  /** Keep only the strongest N keypoints (bounds orientation/descriptor work). */
  maxKeypoints: number;
}

export interface DetectedPoint {
  /** Position in image pixels (pixel centres at integers). */
  x: number;
  y: number;
  /** SURF scale s = 1.2 · L / 9 for (interpolated) filter size L. */
  scale: number;
  /** det(H) at the detected sample (area-normalised). */
  response: number;
  /** Sign of the Laplacian (trace of H): −1 bright blob on dark ground, +1 dark blob on bright. */
  laplacian: 1 | -1;
}

interface Layer {
  filter: number;
  step: number;
  rows: number;
  cols: number;
  det: Float32Array;
  trace: Float32Array;
}

/** Filter side of layer i (0..3) in octave o (0-based). */
export function filterSize(octave: number, layer: number): number {
  return 3 * ((1 << (octave + 1)) * (layer + 1) + 1);
}

/** Pad an integral image needs so every box of every layer used on a w×h image stays inside. */
export function hessianPad(octaves: number): number {
  return (filterSize(octaves - 1, 3) - 1) / 2 + 2;
}

/** Octaves usable on a w×h image: the smaller middle filter of the octave must fit inside. */
export function usableOctaves(width: number, height: number, octaves: number): number {
  let n = 0;
  while (n < octaves && filterSize(n, 1) < Math.min(width, height)) n++;
  return n;
}

function buildLayer(ii: IntegralImage, filter: number, step: number): Layer {
  const rows = Math.ceil(ii.height / step);
  const cols = Math.ceil(ii.width / step);
  const det = new Float32Array(rows * cols);
  const trace = new Float32Array(rows * cols);
  const d = ii.data;
  const s = ii.stride;
  const p = ii.pad;
  if (p < (filter - 1) / 2 + 1)
    throw new Error('internal: integral image pad too small for filter');
  const l = filter / 3;
  const b = (filter - 1) / 2;
  const hl = l >> 1;
  const inv = 1 / (filter * filter);
  // Corner offsets (relative to the pixel's index in the padded integral) of each box.
  const o = (dy: number, dx: number): number => dy * s + dx;
  // Dxx: full band minus 3× centre lobe; Dyy the transpose.
  const xxA = [o(-l + 1, -b), o(-l + 1, b + 1), o(l, -b), o(l, b + 1)];
  const xxB = [o(-l + 1, -hl), o(-l + 1, -hl + l), o(l, -hl), o(l, -hl + l)];
  const yyA = [o(-b, -l + 1), o(-b, l), o(b + 1, -l + 1), o(b + 1, l)];
  const yyB = [o(-hl, -l + 1), o(-hl, l), o(-hl + l, -l + 1), o(-hl + l, l)];
  // Dxy: four l×l quadrant boxes one pixel off the centre lines.
  const q1 = [o(-l, 1), o(-l, l + 1), o(0, 1), o(0, l + 1)]; // top-right (+)
  const q2 = [o(1, -l), o(1, 0), o(l + 1, -l), o(l + 1, 0)]; // bottom-left (+)
  const q3 = [o(-l, -l), o(-l, 0), o(0, -l), o(0, 0)]; // top-left (−)
  const q4 = [o(1, 1), o(1, l + 1), o(l + 1, 1), o(l + 1, l + 1)]; // bottom-right (−)
  // Unpacked into locals: this loop is the detector's hot path.
  const [a0, a1, a2, a3] = xxA;
  const [b0, b1, b2, b3] = xxB;
  const [c0, c1, c2, c3] = yyA;
  const [e0, e1, e2, e3] = yyB;
  const [f0, f1, f2, f3] = q1;
  const [g0, g1, g2, g3] = q2;
  const [h0, h1, h2, h3] = q3;
  const [k0, k1, k2, k3] = q4;
  for (let i = 0; i < rows; i++) {
    const rowBase = (i * step + p) * s + p;
    let k = i * cols;
    for (let j = 0, base = rowBase; j < cols; j++, base += step, k++) {
      const dxx =
        (d[base + a3] -
          d[base + a1] -
          d[base + a2] +
          d[base + a0] -
          3 * (d[base + b3] - d[base + b1] - d[base + b2] + d[base + b0])) *
        inv;
      const dyy =
        (d[base + c3] -
          d[base + c1] -
          d[base + c2] +
          d[base + c0] -
          3 * (d[base + e3] - d[base + e1] - d[base + e2] + d[base + e0])) *
        inv;
      const dxy =
        (d[base + f3] -
          d[base + f1] -
          d[base + f2] +
          d[base + f0] +
          (d[base + g3] - d[base + g1] - d[base + g2] + d[base + g0]) -
          (d[base + h3] - d[base + h1] - d[base + h2] + d[base + h0]) -
          (d[base + k3] - d[base + k1] - d[base + k2] + d[base + k0])) *
        inv;
      // 0.9² = relative weight of the box-filter Dxy (Bay et al. eq. 4).
      det[k] = dxx * dyy - 0.81 * dxy * dxy;
      trace[k] = dxx + dyy;
    }
  }
  return { filter, step, rows, cols, det, trace };
}

function isMaximum(b: Layer, m: Layer, t: Layer, i: number, j: number, v: number): boolean {
  const cols = m.cols;
  for (let di = -1; di <= 1; di++) {
    for (let dj = -1; dj <= 1; dj++) {
      const k = (i + di) * cols + j + dj;
      if (t.det[k] >= v || b.det[k] >= v) return false;
      if ((di !== 0 || dj !== 0) && m.det[k] >= v) return false;
    }
  }
  return true;
}

/** Solve the 3×3 system H·x = −g; null when H is (near) singular. */
function solve3(h: number[], g: number[]): number[] | null {
  const [a, b, c, d, e, f, gg, hh, k] = h;
  const A = e * k - f * hh;
  const B = -(d * k - f * gg);
  const C = d * hh - e * gg;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-30) return null;
  const inv = [
    A,
    -(b * k - c * hh),
    b * f - c * e,
    B,
    a * k - c * gg,
    -(a * f - c * d),
    C,
    -(a * hh - b * gg),
    a * e - b * d,
  ].map((x) => x / det);
  return [
    -(inv[0] * g[0] + inv[1] * g[1] + inv[2] * g[2]),
    -(inv[3] * g[0] + inv[4] * g[1] + inv[5] * g[2]),
    -(inv[6] * g[0] + inv[7] * g[1] + inv[8] * g[2]),
  ];
}

/** Sub-pixel/sub-scale refinement; null when the offset leaves the sample's cell (unstable). */
function interpolate(b: Layer, m: Layer, t: Layer, i: number, j: number): number[] | null {
  const c = m.cols;
  const k = i * c + j;
  const v = m.det[k];
  const dx = (m.det[k + 1] - m.det[k - 1]) / 2;
  const dy = (m.det[k + c] - m.det[k - c]) / 2;
  const ds = (t.det[k] - b.det[k]) / 2;
  const dxx = m.det[k + 1] + m.det[k - 1] - 2 * v;
  const dyy = m.det[k + c] + m.det[k - c] - 2 * v;
  const dss = t.det[k] + b.det[k] - 2 * v;
  const dxy = (m.det[k + c + 1] - m.det[k + c - 1] - m.det[k - c + 1] + m.det[k - c - 1]) / 4;
  const dxs = (t.det[k + 1] - t.det[k - 1] - b.det[k + 1] + b.det[k - 1]) / 4;
  const dys = (t.det[k + c] - t.det[k - c] - b.det[k + c] + b.det[k - c]) / 4;
  const off = solve3([dxx, dxy, dxs, dxy, dyy, dys, dxs, dys, dss], [dx, dy, ds]);
  if (!off || Math.abs(off[0]) >= 0.5 || Math.abs(off[1]) >= 0.5 || Math.abs(off[2]) >= 0.5) {
    return null;
  }
  return off;
}

/** Run the detector on an integral image whose pad is ≥ hessianPad(octaves used). */
export function detectFastHessian(ii: IntegralImage, opts: DetectorOptions): DetectedPoint[] {
  const nOct = usableOctaves(ii.width, ii.height, opts.octaves);
  const points: DetectedPoint[] = [];
  for (let o = 0; o < nOct; o++) {
    const step = opts.initStep * (1 << o);
    const layers = [0, 1, 2, 3].map((li) => buildLayer(ii, filterSize(o, li), step));
    for (let mi = 1; mi <= 2; mi++) {
      const b = layers[mi - 1];
      const m = layers[mi];
      const t = layers[mi + 1];
      // Only where the middle filter lies fully inside the image (the pad is a convenience
      // for the neighbouring scales, not a licence to detect on invented pixels).
      const half = (m.filter - 1) / 2;
      const i0 = Math.max(1, Math.ceil(half / step));
      const i1 = Math.min(m.rows - 2, Math.floor((ii.height - 1 - half) / step));
      const j0 = Math.max(1, Math.ceil(half / step));
      const j1 = Math.min(m.cols - 2, Math.floor((ii.width - 1 - half) / step));
      for (let i = i0; i <= i1; i++) {
        for (let j = j0; j <= j1; j++) {
          const v = m.det[i * m.cols + j];
          if (!(v > opts.threshold) || !isMaximum(b, m, t, i, j, v)) continue;
          const off = interpolate(b, m, t, i, j);
          if (!off) continue;
          const filter = m.filter + off[2] * (m.filter - b.filter);
          points.push({
            x: (j + off[0]) * step,
            y: (i + off[1]) * step,
            scale: (1.2 / 9) * filter,
            response: v,
            laplacian: m.trace[i * m.cols + j] >= 0 ? 1 : -1,
          });
        }
      }
    }
  }
  // Strongest first; full tie-break on position/scale so the order (and the cap) is deterministic.
  points.sort((a, b) => b.response - a.response || a.y - b.y || a.x - b.x || a.scale - b.scale);
  return points.length > opts.maxKeypoints ? points.slice(0, opts.maxKeypoints) : points;
}
