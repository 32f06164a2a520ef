import type { Nucleus } from '../types';
import type { SegmentResult } from './segment';

export { loadSegModel, SegModelFormatError, type SegModel, type SegManifest } from './model';
export {
  segment,
  SegmentInputError,
  SEGMENT_DEFAULTS,
  MAX_INPUT_SIDE,
  type SegmentOptions,
  type SegmentResult,
} from './segment';
export type { InstanceStats } from './postprocess';

/** Segmentation instances as AnalysisResult nuclei, without class probabilities (filled by the classifier). */
export function toNuclei(result: SegmentResult): Nucleus[] {
  return result.instances.map((inst, i) => ({
    id: i + 1,
    contour: inst.contour,
    bbox: inst.bbox,
    centroid: inst.centroid,
    morphometrics: inst.morphometrics,
    probabilities: null,
    label: null,
    confidence: null,
    abnormalProbability: null,
    abnormal: false,
    lowConfidence: false,
  }));
}
