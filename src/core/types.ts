import type { RgbaImage } from './image/types';

/** Bethesda classes, fixed order shared by models, metrics, UI and exports. */
export const CLASS_NAMES = ['NILM', 'ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];
/** Everything but NILM counts as abnormal for the binary screening decision. */
export const ABNORMAL_CLASSES: readonly ClassName[] = ['ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC'];
/**
 * Field mode only (issue 11): an outlined object that is not a squamous epithelial nucleus
 * (leukocyte, debris, clump, out-of-focus blob). Set aside: no Bethesda count, no gallery.
 */
export const OTHER_CLASS = 'Other' as const;
/** Labels a nucleus can carry: probabilities are in this order when `Other` is present (7). */
export const NUCLEUS_CLASSES = [...CLASS_NAMES, OTHER_CLASS] as const;
export type NucleusLabel = ClassName | typeof OTHER_CLASS;

export type AnalysisMode = 'cell' | 'field';
/** Where the working-scale factor came from; `file`: a slide's own calibration (issue 14). */
export type ScaleSource = 'auto' | 'user' | 'file' | 'default';
/** Who chose an analysis's mode (cell or field). */
export type ModeSource = 'user' | 'content' | 'size';

/** Shape measurements of one nucleus, in input-image pixels (µm² derived in the UI from a pixel size). */
export interface Morphometrics {
  areaPx: number;
  perimeterPx: number;
  /** 4πA/P², 1 for a circle. */
  circularity: number;
  /** Of the best-fit ellipse, 0 = circle, → 1 elongated. */
  eccentricity: number;
  /** Mean grey intensity inside the nucleus, 0..1. */
  meanIntensity: number;
}

export interface Nucleus {
  id: number;
  /** Closed polygon in input-image pixel coordinates, [x, y] pairs. */
  contour: [number, number][];
  bbox: { x: number; y: number; width: number; height: number };
  centroid: { x: number; y: number };
  morphometrics: Morphometrics;
  /**
   * Calibrated class probabilities (sum 1) in NUCLEUS_CLASSES order: the six Bethesda classes, then
   * `Other` when the field-mode Other gate ran (7 values; 6 otherwise); null without a classifier,
   * and for an object the gate alone set aside (label `Other`, confidence = P(Other); the classifier
   * is not run for it: src/core/pipeline/gate-first.ts).
   */
  probabilities: number[] | null;
  /** Argmax of probabilities (`Other` included), or null. */
  label: NucleusLabel | null;
  /** Max probability; shown as confidence, never as a verdict. */
  confidence: number | null;
  /** P(abnormal) = sum of P(ASC-US, LSIL, ASC-H, HSIL, SCC) (with the gate: not 1 − P(NILM)). */
  abnormalProbability: number | null;
  /**
   * The calibrated call: P(abnormal) ≥ the operating threshold chosen on validation (field
   * screening, or the single-cell classifier's); false for objects that were not classified.
   */
  abnormal: boolean;
  lowConfidence: boolean;
  /** Cell mode: true for the centred cell's nucleus, false for neighbours' nuclei. */
  primary?: boolean;
  /** Single-cell (Herlev) classifier: probabilities in `AnalysisResult.herlevClasses` order. */
  herlevProbabilities?: number[] | null;
  /** Argmax Herlev class (manifest name, e.g. `light_dysplastic`). */
  herlevLabel?: string | null;
  /**
   * Classified at the user's request after the analysis ("Classify anyway" on an object the Other
   * gate set aside: src/core/pipeline/classify-set-aside.ts); still labelled and counted as before.
   */
  classifiedOnRequest?: boolean;
}

export interface StageTiming {
  stage: string;
  ms: number;
}

export interface AnalysisResult {
  image: { width: number; height: number; name?: string };
  mode: AnalysisMode;
  /** Factor applied to bring the input to the working scale (1 = already at working scale). */
  scale: number;
  /** Who set `scale` (src/core/pipeline/scale-choice.ts). */
  scaleSource: ScaleSource;
  /** Who chose `mode`: the user, the image's content (coarse pass), or its size (no model). */
  modeSource: ModeSource;
  nuclei: Nucleus[];
  timings: StageTiming[];
  backend: string;
  modelVersions: Record<string, string>;
  warnings: string[];
  /** Order of every nucleus's `herlevProbabilities` (cell mode with the single-cell classifier). */
  herlevClasses?: string[];
}

export type { RgbaImage };
