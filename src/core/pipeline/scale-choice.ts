import type { RgbaImage } from '../image/types';
import type { AnalysisMode, ModeSource, ScaleSource } from '../types';
import type { SegAdapter } from './models';
import {
  MIN_EVIDENCE_OBJECTS,
  DEFAULT_OK_ABOVE,
  DEFAULT_OK_RATIO,
  SCALE_RANGE,
  TARGET_DIAMETER_PX,
  type EstimateOptions,
} from '../segment/auto-scale';

/**
 * Pixel size of the working scale (the CRIC 1280-px grid) in µm: CRIC's 40× set-up, 6.45 µm
 * sensor pixels / 40 ×1376/1280 ≈ 0.173 µm (src/app/units.ts explains the estimate).
 */
export const WORKING_PIXEL_UM = 0.173;

/** Images up to this side are taken for single cells when there is no segmentation model. */
export const AUTO_CELL_MAX_SIDE = 256;

/** Model defaults when neither the user nor the coarse pass gives a scale. */
export const DEFAULT_SCALE: Record<AnalysisMode, number> = { cell: 0.5, field: 1 };

export interface ScaleRequest {
  /** 'auto' or absent: from the image content (size alone without a segmentation model). */
  mode?: 'auto' | AnalysisMode;
  /** Factor input → working scale given by the user; wins over everything. */
  scale?: number;
  /** µm per input pixel given by the user (calibration); wins over the automatic estimate. */
  pixelSizeUm?: number;
  /** One of several windows whose sizes are pooled (EstimateContext.pooledWindow). */
  pooledWindow?: boolean;
}

export interface ScaleChoice {
  mode: AnalysisMode;
  modeFrom: ModeSource;
  scale: number;
  scaleSource: ScaleSource;
  /** Median nucleus diameter in input px found by the coarse pass (NaN when not run/found). */
  nucleusDiameterPx: number;
  /** The coarse pass's whole-image probability map at `scale`, when it made one (reused). */
  map?: Float32Array;
}

/** How the coarse pass is used beyond its presumed mode. */
export interface EstimateContext {
  /** The mode is judged from content (not the user's): the pass may also revise it. */
  modeFromContent?: boolean;
  /**
   * The image is one of several windows whose nucleus sizes are pooled (an uncalibrated slide,
   * src/core/slide/slide-scale.ts): no half-probe floor, which protects a lone image from objects
   * merged at ×0.5; in a pool such a window is outvoted, while the floor kept windows of 2×
   * slides at ×1 (CRIC mosaics at ×2 given the right factor: 7/8 without it, 4/8 with it).
   */
  pooledWindow?: boolean;
}

/**
 * Options of the coarse pass for a presumed mode: its default factor, target size and band; when
 * the mode is judged from content, a presumed cell is also checked for a field of small nuclei at
 * the field default (auto-scale.ts, `checkSmallNucleiField`).
 */
export function estimateOptions(mode: AnalysisMode, how: EstimateContext = {}): EstimateOptions {
  return {
    ...(how.modeFromContent && mode === 'cell'
      ? { fieldCheck: { scale: DEFAULT_SCALE.field, typicalDiameterPx: TARGET_DIAMETER_PX.field } }
      : {}),
    ...(how.pooledWindow ? { halfProbeMinRatio: 0 } : {}),
    prefer: DEFAULT_SCALE[mode],
    fallback: DEFAULT_SCALE[mode],
    typicalDiameterPx: TARGET_DIAMETER_PX[mode],
    defaultOkRatio: DEFAULT_OK_RATIO[mode],
    defaultOkAbove: DEFAULT_OK_ABOVE[mode],
    minEvidenceObjects: MIN_EVIDENCE_OBJECTS[mode],
  };
}

/** Factor to the working scale for a calibrated input: one input px spans um / WORKING_PIXEL_UM working px. */
export function scaleFromPixelSize(um: number): number {
  return um / WORKING_PIXEL_UM;
}

/**
 * Mode and scale of one analysis. Priority: what the user set (mode; scale, then pixel size), then
 * the automatic coarse pass (src/core/segment/auto-scale.ts) when a segmentation model is loaded,
 * then the defaults (mode from image size, factor 0.5 for cells / 1 for fields).
 */
export async function chooseModeAndScale(
  image: RgbaImage,
  seg: SegAdapter | undefined,
  req: ScaleRequest,
): Promise<ScaleChoice> {
  for (const [v, name] of [
    [req.scale, 'scale'],
    [req.pixelSizeUm, 'pixel size'],
  ] as const)
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      throw new Error(`The ${name} must be a positive number.`);
  const userMode = req.mode && req.mode !== 'auto' ? req.mode : null;
  const userScale =
    req.scale ?? (req.pixelSizeUm !== undefined ? scaleFromPixelSize(req.pixelSizeUm) : undefined);
  // The coarse pass is needed for the mode unless the user chose it, and for the scale unless given.
  const needPass = !!seg?.estimateScale && (userMode === null || userScale === undefined);
  const sizeMode: AnalysisMode =
    Math.max(image.width, image.height) <= AUTO_CELL_MAX_SIDE ? 'cell' : 'field';
  const first =
    needPass && seg?.estimateScale
      ? await seg.estimateScale(image, userMode ?? sizeMode, {
          modeFromContent: userMode === null,
          pooledWindow: req.pooledWindow,
        })
      : null;
  const mode: AnalysisMode =
    userMode ?? (first?.found ? (first.looksLikeCell ? 'cell' : 'field') : sizeMode);
  // A pass that kept the presumed mode's default factor judged it by that mode's size band. When
  // the content says the other mode (a 256² crop of a field, a large image of one cell), measure
  // again with that mode's: a crop must get the factor its whole field gets (CRIC val 256² crops:
  // ×1 kept, not ×0.5 from the cell band). A pass that searched measured the nucleus size
  // whatever the mode; its size is converted with the content mode's target below.
  let est = first;
  let estMode: AnalysisMode = userMode ?? sizeMode;
  if (
    first?.found &&
    first.atDefault &&
    mode !== estMode &&
    userScale === undefined &&
    seg?.estimateScale
  ) {
    const again = await seg.estimateScale(image, mode, { pooledWindow: req.pooledWindow });
    if (again.found) [est, estMode] = [again, mode];
  }
  const modeFrom = userMode ? 'user' : est?.found ? 'content' : 'size';
  if (userScale !== undefined)
    return {
      mode,
      modeFrom,
      scale: userScale,
      scaleSource: 'user',
      nucleusDiameterPx: est?.nucleusDiameterPx ?? NaN,
    };
  const keptDefault = !!est?.atDefault && DEFAULT_SCALE[estMode] === DEFAULT_SCALE[mode];
  if (est?.found)
    return {
      mode,
      modeFrom,
      // Confirmed at the default factor of the mode it was tried for: keep it.
      scale: keptDefault
        ? DEFAULT_SCALE[mode]
        : snapScale(
            Math.min(
              SCALE_RANGE[1],
              Math.max(SCALE_RANGE[0], TARGET_DIAMETER_PX[mode] / est.nucleusDiameterPx),
            ),
            DEFAULT_SCALE[mode],
          ),
      scaleSource: 'auto',
      nucleusDiameterPx: est.nucleusDiameterPx,
      ...(keptDefault && est.map ? { map: est.map } : {}),
    };
  return {
    mode,
    modeFrom,
    scale: DEFAULT_SCALE[mode],
    scaleSource: 'default',
    nucleusDiameterPx: NaN,
  };
}

/**
 * Estimates within SNAP_RATIO of the mode's default times a power of two are snapped to it. Why:
 * the estimate is a median over a few nuclei (off by up to ×1.33 on the val splits: Herlev-SD,
 * ISBI synthetic, EDF; 1.2 left 6 of 28 val images off their trained factor), while images
 * from a 20× objective or a 2× camera binning are usually an exact octave off; snapping makes
 * those analyse exactly like the trained grid (and leaves trained-like images at their default).
 */
export const SNAP_RATIO = 1.35;

export function snapScale(scale: number, def: number): number {
  const octave = def * 2 ** Math.round(Math.log2(scale / def));
  return Math.max(scale / octave, octave / scale) <= SNAP_RATIO ? octave : scale;
}
