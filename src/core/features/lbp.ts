import type { GreyImage } from '../image/types';

/**
 * Local Binary Patterns (Ojala et al.), as the paper describes them: each of the 8 neighbours of a
 * pixel gives one bit, set when the neighbour is ≥ the centre; the 8 bits form a code 0..255; the
 * descriptor is the normalised histogram of codes over a region (whole crop or a nucleus mask).
 *
 * Neighbour p (bit 2^p) sits at angle 2πp/8 counter-clockwise from east (y grows downwards):
 * p=0 east (x+R, y), 1 north-east (x+R, y−R), 2 north (x, y−R), 3 north-west, 4 west,
 * 5 south-west, 6 south (x, y+R), 7 south-east.
 */
export type LbpVariant =
  /** The paper's 256-bin LBP on the integer 8-neighbourhood at chessboard distance R. */
  | 'default'
  /** Rotation-invariant uniform LBP^riu2 (Ojala 2002): P=8 points on a circle of radius R, bilinear, 10 bins. */
  | 'riu2';

export interface LbpOptions {
  variant?: LbpVariant;
  /** Radius (default 1). */
  radius?: number;
  /** Region: 0/1 per pixel (length width×height); only pixels with mask≠0 are counted. Absent = whole image. */
  mask?: Uint8Array;
}

export const LBP_BINS: Record<LbpVariant, number> = { default: 256, riu2: 10 };

const P = 8;

function checkInput(img: GreyImage, mask: Uint8Array | undefined, radius: number): void {
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height) {
    throw new Error(`LBP needs a non-empty grey image whose data length is width×height.`);
  }
  if (mask && mask.length !== img.width * img.height) {
    throw new Error(
      `LBP mask has ${mask.length} pixels but the image has ${img.width}×${img.height}; they must match.`,
    );
  }
  if (!(Number.isInteger(radius) && radius >= 1)) {
    throw new Error(`LBP radius must be a positive integer, got ${radius}.`);
  }
}

/**
 * LBP code of every pixel whose full neighbourhood lies inside the image (others get −1,
 * because padding would invent neighbours). Exposed for tests and visualisation.
 */
export function lbpCodes(img: GreyImage, options: Omit<LbpOptions, 'mask'> = {}): Int16Array {
  const variant = options.variant ?? 'default';
  const r = options.radius ?? 1;
  checkInput(img, undefined, r);
  const { width: w, height: h, data: g } = img;
  const out = new Int16Array(w * h).fill(-1);
  if (variant === 'default') {
    // Integer offsets: index deltas for the 8 neighbours.
    const dx = [r, r, 0, -r, -r, -r, 0, r];
    const dy = [0, -r, -r, -r, 0, r, r, r];
    const off = dx.map((x, p) => dy[p] * w + x);
    for (let y = r; y < h - r; y++) {
      for (let x = r; x < w - r; x++) {
        const i = y * w + x;
        const c = g[i];
        let code = 0;
        for (let p = 0; p < P; p++) if (g[i + off[p]] >= c) code |= 1 << p;
        out[i] = code;
      }
    }
    return out;
  }
  // riu2: circular neighbours with bilinear interpolation, precomputed weights per point.
  const pts: { x0: number; y0: number; w00: number; w10: number; w01: number; w11: number }[] = [];
  for (let p = 0; p < P; p++) {
    const a = (2 * Math.PI * p) / P;
    let fx = r * Math.cos(a);
    let fy = -r * Math.sin(a);
    // Snap values that are integers up to rounding so axis points are exact pixel reads.
    if (Math.abs(fx - Math.round(fx)) < 1e-9) fx = Math.round(fx);
    if (Math.abs(fy - Math.round(fy)) < 1e-9) fy = Math.round(fy);
    const x0 = Math.floor(fx);
    const y0 = Math.floor(fy);
    const tx = fx - x0;
    const ty = fy - y0;
    pts.push({
      x0,
      y0,
      w00: (1 - tx) * (1 - ty),
      w10: tx * (1 - ty),
      w01: (1 - tx) * ty,
      w11: tx * ty,
    });
  }
  const bits = new Uint8Array(P);
  for (let y = r; y < h - r; y++) {
    for (let x = r; x < w - r; x++) {
      const i = y * w + x;
      const c = g[i];
      let ones = 0;
      for (let p = 0; p < P; p++) {
        const q = pts[p];
        const b = (y + q.y0) * w + x + q.x0;
        // Points on the axes have tx=ty=0: skip reads beyond the neighbourhood.
        let v = q.w00 * g[b];
        if (q.w10) v += q.w10 * g[b + 1];
        if (q.w01) v += q.w01 * g[b + w];
        if (q.w11) v += q.w11 * g[b + w + 1];
        // Tolerance: interpolation of equal pixels must still compare as "equal".
        bits[p] = v >= c - 1e-6 ? 1 : 0;
        ones += bits[p];
      }
      let transitions = 0;
      for (let p = 0; p < P; p++) if (bits[p] !== bits[(p + 1) % P]) transitions++;
      out[i] = transitions <= 2 ? ones : P + 1;
    }
  }
  return out;
}

/** Normalised LBP histogram (sums to 1; all zeros when the region holds no codable pixel). */
export function lbpHistogram(img: GreyImage, options: LbpOptions = {}): Float32Array {
  const variant = options.variant ?? 'default';
  const r = options.radius ?? 1;
  checkInput(img, options.mask, r);
  const codes = lbpCodes(img, { variant, radius: r });
  const hist = new Float32Array(LBP_BINS[variant]);
  const mask = options.mask;
  let n = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c < 0 || (mask && !mask[i])) continue;
    hist[c]++;
    n++;
  }
  if (n > 0) for (let k = 0; k < hist.length; k++) hist[k] /= n;
  return hist;
}

/**
 * Multi-radius LBP: the per-radius normalised histograms concatenated (e.g. riu2 at radii 1,2,3
 * → 30 bins), so texture at several scales is described without a 256^n code space.
 */
export function lbpMultiRadius(
  img: GreyImage,
  radii: readonly number[],
  options: Omit<LbpOptions, 'radius'> = {},
): Float32Array {
  if (radii.length === 0) throw new Error('Multi-radius LBP needs at least one radius.');
  const parts = radii.map((radius) => lbpHistogram(img, { ...options, radius }));
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
