import { resizeRgba, toGrey } from '../image/ops';
import type { RgbaImage } from '../image/types';
import type { AnalysisMode } from '../types';
import { predictTile, type SegModel } from './model';
import { runShared, tileHelpersOf } from './tile-helpers';
import {
  dropSmallLabels,
  dropUnsureLabels,
  fillHoles,
  instanceStats,
  removeSmall,
  separateNuclei,
  type InstanceStats,
} from './postprocess';

export interface SegmentOptions {
  /** 'cell': one cell filling the image (Herlev-like); 'field': a microscope field (CRIC/ISBI-like). */
  mode: AnalysisMode;
  /** Factor bringing the input to the working scale; default from the model (cell 0.5, field 1). */
  scale?: number;
  /** Probability threshold (default: the model's, 0.5). */
  threshold?: number;
  /** Tile side at working scale (multiple of 16) and overlap between tiles, for large inputs. */
  tileSize?: number;
  tileOverlap?: number;
  /** Post-processing sizes in working-scale pixels (scaled to the input resolution internally). */
  minAreaPx?: number;
  maxHoleAreaPx?: number;
  /** Watershed dynamics (px of distance) below which touching basins merge; Infinity = no splitting. */
  splitDynamicsPx?: number;
  /** Objects whose mean probability is below this are dropped (0 = keep all). */
  minObjectProb?: number;
  /**
   * Extra zoom factors (relative to `scale`) whose probability maps are max-combined with the
   * main one: catches nuclei larger than the field training data showed. Default: field [0.7],
   * cell none.
   */
  extraZooms?: number[];
  /**
   * The main probability map at `scale` (input resolution), already computed by the caller (the
   * automatic-scale pass computes it for fields): used instead of running the network again.
   * It is overwritten (max-combined with the extra zooms).
   */
  probability?: Float32Array;
  /**
   * Run a one-tile input on tile helper number `helper` (modulo their count) instead of this
   * thread, when the model has helpers (src/core/segment/tile-helpers.ts): several small passes
   * then run at once, on other cores (the single-cell nucleus search). Same map bit for bit; a
   * failed helper's tile is computed here.
   */
  helper?: number;
}

export interface SegmentResult {
  width: number;
  height: number;
  /** Factor applied to bring the input to the working scale. */
  scale: number;
  /** Instance labels at input resolution (0 = background, 1..n = instances[i-1]). */
  labels: Int32Array;
  instances: InstanceStats[];
}

/**
 * Defaults. minAreaPx and splitDynamicsPx were chosen on the validation splits only
 * (training/seg/tune-postprocess.ts; docs/SEGMENTATION.md).
 */
export const SEGMENT_DEFAULTS = {
  tileSize: 512,
  tileOverlap: 64,
  fieldExtraZooms: [0.7],
  minAreaPx: 100,
  maxHoleAreaPx: 400,
  splitDynamicsPx: 1,
  minObjectProb: 0,
} as const;

/** Largest input side accepted (bigger images are almost certainly whole-slide tiles, not fields). */
export const MAX_INPUT_SIDE = 10000;

export class SegmentInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentInputError';
  }
}

/**
 * Segment nuclei in an RGBA image of any size: rescale to the working scale, convert to grey
 * (BT.601), predict the probability map (tiled with overlap and linear blending when larger than
 * one tile), resize it back, threshold, remove specks, fill holes, split touching nuclei and
 * measure every instance. All tensors are disposed before returning.
 */
export async function segment(
  image: RgbaImage,
  model: SegModel,
  options: SegmentOptions,
): Promise<SegmentResult> {
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new SegmentInputError('The image is empty.');
  if (image.data.length !== width * height * 4)
    throw new SegmentInputError('The image data does not match its width and height.');
  if (Math.max(width, height) > MAX_INPUT_SIDE)
    throw new SegmentInputError(
      `The image is too large (${width}×${height}); the limit is ${MAX_INPUT_SIDE} px per side.`,
    );
  const ws = model.manifest.workingScale;
  const scale = options.scale ?? (options.mode === 'cell' ? ws.cellScale : ws.fieldScale);
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new SegmentInputError('The scale factor must be a positive number.');
  const tile = options.tileSize ?? SEGMENT_DEFAULTS.tileSize;
  const overlap = options.tileOverlap ?? SEGMENT_DEFAULTS.tileOverlap;
  const mult = model.manifest.input.multiple;
  if (tile % mult !== 0 || overlap < 0 || overlap >= tile)
    throw new SegmentInputError(
      `Tile size must be a multiple of ${mult} and larger than the overlap.`,
    );
  const given = options.probability;
  if (given && given.length !== width * height)
    throw new SegmentInputError('The given probability map does not match the image size.');
  // A given map was made with the default tiling: only reused when this call uses it too.
  const prob =
    given && tile === SEGMENT_DEFAULTS.tileSize && overlap === SEGMENT_DEFAULTS.tileOverlap
      ? given
      : await probabilityMap(image, model, scale, tile, overlap, options.helper);
  const zooms =
    options.extraZooms ?? (options.mode === 'field' ? SEGMENT_DEFAULTS.fieldExtraZooms : []);
  for (const z of zooms) {
    if (!(z > 0) || !Number.isFinite(z))
      throw new SegmentInputError('Extra zoom factors must be positive numbers.');
    const pz = await probabilityMap(image, model, scale * z, tile, overlap, options.helper);
    for (let i = 0; i < prob.length; i++) if (pz[i] > prob[i]) prob[i] = pz[i];
  }
  return instancesFromProbability(image, prob, scale, {
    ...options,
    threshold: options.threshold ?? model.manifest.threshold,
  });
}

/** Nucleus probability at input resolution (the network runs at the working scale). */
export async function probabilityMap(
  image: RgbaImage,
  model: SegModel,
  scale: number,
  tile: number = SEGMENT_DEFAULTS.tileSize,
  overlap: number = SEGMENT_DEFAULTS.tileOverlap,
  /** SegmentOptions.helper. */
  helper?: number,
): Promise<Float32Array> {
  const { width, height } = image;
  const ww = Math.max(1, Math.round(width * scale));
  const wh = Math.max(1, Math.round(height * scale));
  const working = ww === width && wh === height ? image : resizeRgba(image, ww, wh);
  const grey = toGrey(working);
  const probWorking = await predictProbability(grey.data, ww, wh, model, tile, overlap, helper);
  return ww === width && wh === height
    ? probWorking
    : resizeFloat(probWorking, ww, wh, width, height);
}

/**
 * Threshold, speck removal, hole filling, splitting of touching nuclei and measurements, at input
 * resolution with sizes converted from working-scale pixels (so results do not depend on the
 * input's magnification).
 */
export function instancesFromProbability(
  image: RgbaImage,
  prob: Float32Array,
  scale: number,
  options: Omit<SegmentOptions, 'mode'> & { threshold: number },
): SegmentResult {
  const { width, height } = image;
  const areaFactor = 1 / (scale * scale);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = prob[i] >= options.threshold ? 1 : 0;
  const minArea = Math.max(
    1,
    Math.round((options.minAreaPx ?? SEGMENT_DEFAULTS.minAreaPx) * areaFactor),
  );
  removeSmall(mask, width, height, minArea);
  fillHoles(
    mask,
    width,
    height,
    (options.maxHoleAreaPx ?? SEGMENT_DEFAULTS.maxHoleAreaPx) * areaFactor,
  );
  const dyn = (options.splitDynamicsPx ?? SEGMENT_DEFAULTS.splitDynamicsPx) / scale;
  const sep = separateNuclei(mask, width, height, dyn);
  const big = dropSmallLabels(sep.labels, sep.count, minArea);
  const minMean = options.minObjectProb ?? SEGMENT_DEFAULTS.minObjectProb;
  const { labels, count } =
    minMean > 0 ? dropUnsureLabels(big.labels, big.count, prob, minMean) : big;
  const instances = instanceStats(labels, count, width, height, toGrey(image).data);
  return { width, height, scale, labels, instances };
}

/** Positions of tiles along one axis: cover [0, n) with stride tile−overlap, last one flush. */
function tileStarts(n: number, tile: number, overlap: number): number[] {
  if (n <= tile) return [0];
  const starts: number[] = [];
  for (let s = 0; ; s += tile - overlap) {
    if (s + tile >= n) {
      starts.push(n - tile);
      break;
    }
    starts.push(s);
  }
  return starts;
}

/** Reflect index into [0, n) (period 2n−2, like numpy/torch 'reflect'). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const p = 2 * n - 2;
  let j = ((i % p) + p) % p;
  if (j >= n) j = p - j;
  return j;
}

/**
 * Probability map at working scale. Inputs up to one tile: one pass, centred reflection padding
 * to max(minSize, multiple of 16) (as in training). Larger inputs: overlapping tiles blended with
 * weights that ramp linearly over the overlap, so tile seams do not show.
 */
async function predictProbability(
  grey: Float32Array,
  w: number,
  h: number,
  model: SegModel,
  tile: number,
  overlap: number,
  helper?: number,
): Promise<Float32Array> {
  const mult = model.manifest.input.multiple;
  const minSize = model.manifest.input.minSize;
  const out = new Float32Array(w * h);
  const weight = new Float32Array(w * h);
  const xs = tileStarts(w, tile, overlap);
  const ys = tileStarts(h, tile, overlap);
  const ramp = Math.max(1, overlap);
  const tw = Math.min(tile, w);
  const th = Math.min(tile, h);
  const pw = Math.max(minSize, Math.ceil(tw / mult) * mult);
  const ph = Math.max(minSize, Math.ceil(th / mult) * mult);
  const left = Math.floor((pw - tw) / 2);
  const top = Math.floor((ph - th) / 2);
  const origin = (i: number): [number, number] => [
    xs[i % xs.length],
    ys[Math.floor(i / xs.length)],
  ];
  const tileInput = (i: number): Float32Array => {
    const [x0, y0] = origin(i);
    const buf = new Float32Array(pw * ph);
    for (let y = 0; y < ph; y++) {
      const sy = y0 + reflect(y - top, th);
      for (let x = 0; x < pw; x++) buf[y * pw + x] = grey[sy * w + x0 + reflect(x - left, tw)];
    }
    return buf;
  };
  const local = (i: number): Promise<Float32Array> => predictTile(model, tileInput(i), ph, pw);
  const blend = (i: number, p: Float32Array): void => {
    const [x0, y0] = origin(i);
    for (let y = 0; y < th; y++) {
      // Distance to the tile's inner edges (edges on the image border get full weight).
      const dy = Math.min(y0 > 0 ? y + 1 : ramp, y0 + th < h ? th - y : ramp);
      for (let x = 0; x < tw; x++) {
        const dx = Math.min(x0 > 0 ? x + 1 : ramp, x0 + tw < w ? tw - x : ramp);
        const wt = Math.min(1, dy / ramp) * Math.min(1, dx / ramp);
        const j = (y0 + y) * w + x0 + x;
        out[j] += wt * p[(y + top) * pw + x + left];
        weight[j] += wt;
      }
    }
  };
  const count = xs.length * ys.length;
  const all = tileHelpersOf(model);
  if (count === 1 && helper !== undefined && all.length > 0) {
    const input = tileInput(0);
    blend(0, await all[helper % all.length].predict(input, ph, pw).catch(() => local(0)));
  } else {
    // Other workers' copies of the network take tiles too (only worth it with several tiles).
    const helpers = count > 1 ? all : [];
    await runShared(
      count,
      local,
      // Two tiles queued per helper, so it never waits while this thread is busy with its own tile.
      helpers.flatMap((hp) => {
        const run = (i: number): Promise<Float32Array> => hp.predict(tileInput(i), ph, pw);
        return [run, run];
      }),
      blend,
      helpers.length < 2,
    );
  }
  for (let i = 0; i < out.length; i++) out[i] = weight[i] > 0 ? out[i] / weight[i] : 0;
  return out;
}

/** Bilinear resize of a float map (pixel-centre aligned, same convention as resizeRgba). */
export function resizeFloat(
  src: Float32Array,
  sw: number,
  sh: number,
  width: number,
  height: number,
): Float32Array {
  const out = new Float32Array(width * height);
  const sx = sw / width;
  const sy = sh / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = fx - x0;
      const top = src[y0 * sw + x0] * (1 - wx) + src[y0 * sw + x1] * wx;
      const bot = src[y1 * sw + x0] * (1 - wx) + src[y1 * sw + x1] * wx;
      out[y * width + x] = top * (1 - wy) + bot * wy;
    }
  }
  return out;
}
