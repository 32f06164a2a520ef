import type { RgbaImage } from '../image/types';
import type { SegAdapter } from '../pipeline/models';
import { chooseModeAndScale, scaleFromPixelSize, snapScale } from '../pipeline/scale-choice';
import { SCALE_RANGE, TARGET_DIAMETER_PX } from '../segment/auto-scale';
import type { ScaleSource } from '../types';
import type { PixelSize } from './calibration';

/**
 * One factor to the working scale for a whole slide (issues 12 and 14). Priority: a factor
 * already used for this slide (Resume keeps it, whatever changed since), the user's pixel size,
 * the file's calibration, then the automatic estimate: the field coarse pass (src/core/segment/auto-scale.ts) on a few
 * tissue-rich windows spread over the slide, their median. One factor for every tile, not one
 * per tile: a pass per tile would cost ~2 s each and neighbouring tiles could disagree.
 */

export interface SlideScale {
  scale: number;
  scaleSource: ScaleSource;
  /**
   * For 'auto': windows probed, and for those where nuclei were found the factor each chose on
   * its own and the median nucleus diameter it measured (level-0 px).
   */
  probe?: { windows: number; factors: number[]; diameters: number[] };
}

/** What the estimate needs of a slide: its size, calibration and level-0 reads. */
export interface ScalableSlide {
  width: number;
  height: number;
  pixelSize?: PixelSize;
  readRegion(x: number, y: number, w: number, h: number): Promise<RgbaImage>;
}

export interface SlideScaleOptions {
  /** µm per level-0 pixel given by the user. */
  pixelSizeUm?: number;
  /** The factor this slide's first tiles were analysed at (Resume). */
  previous?: { scale: number; scaleSource: ScaleSource };
  signal?: AbortSignal;
}

/** Windows probed by the automatic estimate (the most tissue-rich of a GRID × GRID lattice). */
export const SCALE_WINDOWS = 5;
const GRID = 5;
/** Window side in level-0 pixels (the analysis tile; a field's scale pass sees up to 768² at ×1). */
export const SCALE_WINDOW_SIDE = 1024;
/** A window with less tissue than this fraction is not probed (empty glass says nothing). */
const MIN_TISSUE = 0.05;
/** Brighter than this (BT.601 luma) is background glass. */
const GLASS_LUMA = 215;

/** Fraction of pixels darker than glass, on a sparse lattice (cheap: every 4th pixel a side). */
export function tissueFraction(img: RgbaImage): number {
  let dark = 0;
  let all = 0;
  const d = img.data;
  for (let y = 0; y < img.height; y += 4)
    for (let x = 0; x < img.width; x += 4) {
      const i = 4 * (y * img.width + x);
      all++;
      if (0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2] < GLASS_LUMA) dark++;
    }
  return all ? dark / all : 0;
}

/** Median in log space (factors are ratios), for an even count the geometric mean of the middle two. */
function logMedian(v: number[]): number {
  const s = v.map(Math.log).sort((a, b) => a - b);
  const m = s.length >> 1;
  return Math.exp(s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2);
}

/**
 * The windows' median nucleus diameters (level-0 px) → the slide's factor: their median brought
 * to the field target size, snapped to an octave when near one; null when no window found nuclei.
 * Pooling the measured sizes, not the factors each window chose alone: on CRIC val mosaics at ×2
 * the windows' own choices kept ×1 in 3 of 4 (a 2× nucleus sits at the edge of the band where a
 * field keeps its default), the pooled size gave ×0.5 in 3 of 4; ×1 stayed ×1 in 4 of 4 either
 * way (`npx tsx scripts/slide-scale-check.ts --split val`).
 */
export function slideFactor(diameters: number[]): number | null {
  if (!diameters.length) return null;
  const f = TARGET_DIAMETER_PX.field / logMedian(diameters);
  return snapScale(Math.min(SCALE_RANGE[1], Math.max(SCALE_RANGE[0], f)), 1);
}

async function autoScale(
  slide: ScalableSlide,
  seg: SegAdapter,
  signal?: AbortSignal,
): Promise<SlideScale | null> {
  const ww = Math.min(SCALE_WINDOW_SIDE, slide.width);
  const wh = Math.min(SCALE_WINDOW_SIDE, slide.height);
  // Window centres on a lattice inset by half a step, so they spread over the whole slide.
  const windows: { x: number; y: number; tissue: number }[] = [];
  const seen = new Set<string>();
  for (let gy = 0; gy < GRID; gy++)
    for (let gx = 0; gx < GRID; gx++) {
      const x = Math.round(((gx + 0.5) / GRID) * slide.width - ww / 2);
      const y = Math.round(((gy + 0.5) / GRID) * slide.height - wh / 2);
      const cx = Math.max(0, Math.min(slide.width - ww, x));
      const cy = Math.max(0, Math.min(slide.height - wh, y));
      if (seen.has(`${cx},${cy}`)) continue;
      seen.add(`${cx},${cy}`);
      if (signal?.aborted) return null;
      windows.push({
        x: cx,
        y: cy,
        tissue: tissueFraction(await slide.readRegion(cx, cy, ww, wh)),
      });
    }
  // No more windows than the slide has analysis tiles: a small slide pays at most its size again.
  const tiles =
    Math.ceil(slide.width / SCALE_WINDOW_SIDE) * Math.ceil(slide.height / SCALE_WINDOW_SIDE);
  const chosen = windows
    .filter((w) => w.tissue >= MIN_TISSUE)
    .sort((a, b) => b.tissue - a.tissue)
    .slice(0, Math.min(SCALE_WINDOWS, tiles));
  const factors: number[] = [];
  const diameters: number[] = [];
  for (const w of chosen) {
    if (signal?.aborted) return null;
    const region = await slide.readRegion(w.x, w.y, ww, wh);
    const c = await chooseModeAndScale(region, seg, { mode: 'field', pooledWindow: true });
    if (c.scaleSource !== 'auto') continue;
    factors.push(c.scale);
    if (Number.isFinite(c.nucleusDiameterPx)) diameters.push(c.nucleusDiameterPx);
  }
  const scale = slideFactor(diameters);
  return scale === null
    ? null
    : { scale, scaleSource: 'auto', probe: { windows: chosen.length, factors, diameters } };
}

/** The factor a slide's metadata or the user states (user > file), or null when neither does. */
export function statedSlideScale(
  slide: Pick<ScalableSlide, 'pixelSize'>,
  pixelSizeUm?: number,
): SlideScale | null {
  if (pixelSizeUm !== undefined) {
    if (!(Number.isFinite(pixelSizeUm) && pixelSizeUm > 0))
      throw new Error('The pixel size must be a positive number.');
    return { scale: scaleFromPixelSize(pixelSizeUm), scaleSource: 'user' };
  }
  if (slide.pixelSize)
    return { scale: scaleFromPixelSize(slide.pixelSize.um), scaleSource: 'file' };
  return null;
}

export async function resolveSlideScale(
  slide: ScalableSlide,
  seg: SegAdapter | undefined,
  options: SlideScaleOptions = {},
): Promise<SlideScale> {
  if (options.previous) return { ...options.previous };
  const stated = statedSlideScale(slide, options.pixelSizeUm);
  if (stated) return stated;
  const auto = seg?.estimateScale ? await autoScale(slide, seg, options.signal) : null;
  return auto ?? { scale: 1, scaleSource: 'default' };
}
