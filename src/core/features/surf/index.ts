import type { GreyImage } from '../../image/types';
import { describePoint, orientation, SURF_DESCRIPTOR_SIZE } from './descriptor';
import { detectFastHessian, filterSize, hessianPad, usableOctaves } from './fast-hessian';
import { downscaleGrey, integralImage } from './integral';

export { SURF_DESCRIPTOR_SIZE } from './descriptor';

/** SURF parameters; defaults follow Bay et al. 2008 where the paper gives them. */
export interface SurfOptions {
  /** det(H) threshold for area-normalised box responses on 0..1 intensities. */
  threshold: number;
  octaves: number;
  initStep: number;
  /** Cap on keypoints (strongest kept) — bounds the descriptor work. */
  maxKeypoints: number;
  /** U-SURF: skip orientation assignment (θ = 0). */
  upright: boolean;
  /** Images above this many pixels are box-downscaled by an integer factor first. */
  maxPixels: number;
}

export const DEFAULT_SURF_OPTIONS: SurfOptions = {
  threshold: 0.0004,
  octaves: 4,
  initStep: 1,
  maxKeypoints: 500,
  upright: false,
  maxPixels: 2_000_000,
};

export interface SurfKeypoint {
  /** Position in the input image's pixels (pixel centres at integer coordinates). */
  x: number;
  y: number;
  /** Scale s (σ of the equivalent Gaussian); the descriptor covers a 20s square. */
  scale: number;
  /** Radians, image frame (x right, y down). 0 for upright SURF. */
  orientation: number;
  response: number;
  laplacian: 1 | -1;
}

export interface SurfFeatures {
  keypoints: SurfKeypoint[];
  /** keypoints.length × 128 floats, row-major, each row unit length. */
  descriptors: Float32Array;
}

// Descriptor sample radius in units of s: half-diagonal of the 20s square plus the Haar half-size.
const DESCRIPTOR_REACH = 10 * Math.SQRT2 + 1;
// Replicated border beyond this is not worth its memory; farther samples read zero.
const MAX_PAD = 160;

/** Detect and describe SURF features on a grey image (any size, values 0..1). Deterministic. */
export function surf(img: GreyImage, options: Partial<SurfOptions> = {}): SurfFeatures {
  const opts: SurfOptions = { ...DEFAULT_SURF_OPTIONS, ...options };
  if (!(img.width >= 0 && img.height >= 0) || img.data.length !== img.width * img.height) {
    throw new Error('SURF needs a grey image whose data length is width×height.');
  }
  if (!(opts.octaves >= 1 && opts.initStep >= 1 && opts.maxKeypoints >= 0)) {
    throw new Error('SURF options need octaves ≥ 1, initStep ≥ 1 and maxKeypoints ≥ 0.');
  }
  let work = img;
  let factor = 1;
  if (img.width * img.height > opts.maxPixels) {
    factor = Math.ceil(Math.sqrt((img.width * img.height) / opts.maxPixels));
    work = downscaleGrey(img, factor);
  }
  const nOct = usableOctaves(work.width, work.height, opts.octaves);
  if (nOct === 0 || opts.maxKeypoints === 0) {
    return { keypoints: [], descriptors: new Float32Array(0) };
  }
  const maxScale = (1.2 / 9) * filterSize(nOct - 1, 2);
  const pad = Math.max(
    hessianPad(nOct),
    Math.min(MAX_PAD, Math.ceil(DESCRIPTOR_REACH * maxScale) + 1),
  );
  const ii = integralImage(work, pad);
  const points = detectFastHessian(ii, { ...opts, octaves: nOct });
  const descriptors = new Float32Array(points.length * SURF_DESCRIPTOR_SIZE);
  const keypoints = points.map((p, k): SurfKeypoint => {
    const theta = opts.upright ? 0 : orientation(ii, p.x, p.y, p.scale);
    describePoint(ii, p.x, p.y, p.scale, theta, descriptors, k * SURF_DESCRIPTOR_SIZE);
    return {
      // Map back to input pixels when downscaled (box of `factor` pixels → its centre).
      x: factor === 1 ? p.x : (p.x + 0.5) * factor - 0.5,
      y: factor === 1 ? p.y : (p.y + 0.5) * factor - 0.5,
      scale: p.scale * factor,
      orientation: theta,
      response: p.response,
      laplacian: p.laplacian,
    };
  });
  return { keypoints, descriptors };
}
