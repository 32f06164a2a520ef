import { toGrey } from '../image/ops';
import type { GreyImage, RgbaImage } from '../image/types';
import { bofHistogram, type BofExtraction, type Vocabulary } from './bof';
import { lbpHistogram, lbpMultiRadius, type LbpVariant } from './lbp';
import { surf, type SurfFeatures } from './surf/index';
import { resizeGrey } from './surf/integral';

/** The hand-crafted descriptors of one cell crop (paper: LBP 256-D + BoF over SURF). */
export interface CellDescriptors {
  /** Normalised LBP histogram (256 bins for the paper's variant). */
  lbp: Float32Array;
  /** L1-normalised BoF histogram (vocabulary.k bins; all zeros when no keypoint was found). */
  bof: Float32Array;
  /** SURF keypoints found on the crop (diagnostics; 0 explains an all-zero BoF). */
  keypoints: number;
}

export interface DescribeCellOptions {
  /** Default 'default' (the paper's 256-bin LBP). */
  lbpVariant?: LbpVariant;
  /** Radii (default [1]); several give the concatenated multi-radius histogram. */
  lbpRadii?: number[];
}

/**
 * SURF on a cell crop exactly as the vocabulary was trained: grey (BT.601), optional bilinear
 * upscale, then SURF with the vocabulary's options. Training calls this too (no skew).
 */
export function cellSurf(grey: GreyImage, extraction: BofExtraction): SurfFeatures {
  const f = extraction.upscale;
  const img =
    f === 1 ? grey : resizeGrey(grey, Math.round(grey.width * f), Math.round(grey.height * f));
  return surf(img, extraction.surf);
}

/**
 * LBP over the mask (or the whole crop when no mask is given) and the BoF histogram of the
 * whole crop's SURF descriptors. Plain function: the worker pool and Node both call it.
 */
export function describeCell(
  crop: RgbaImage,
  mask: Uint8Array | undefined,
  vocabulary: Vocabulary,
  options: DescribeCellOptions = {},
): CellDescriptors {
  if (!(crop.width > 0 && crop.height > 0) || crop.data.length !== crop.width * crop.height * 4) {
    throw new Error('The cell crop is empty or its pixel buffer does not match its size.');
  }
  if (mask && mask.length !== crop.width * crop.height) {
    throw new Error(
      `The nucleus mask has ${mask.length} pixels but the crop is ${crop.width}×${crop.height}.`,
    );
  }
  const grey = toGrey(crop);
  const variant = options.lbpVariant ?? 'default';
  const radii = options.lbpRadii ?? [1];
  const lbp =
    radii.length === 1
      ? lbpHistogram(grey, { mask, variant, radius: radii[0] })
      : lbpMultiRadius(grey, radii, { mask, variant });
  const features = cellSurf(grey, vocabulary.extraction);
  const bof = bofHistogram(features.descriptors, vocabulary);
  return { lbp, bof, keypoints: features.keypoints.length };
}
