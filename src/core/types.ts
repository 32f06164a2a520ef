import type { RgbaImage } from './image/types';

/** Bethesda classes, fixed order shared by models, metrics, UI and exports. */
export const CLASS_NAMES = ['NILM', 'ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC'] as const;
export type ClassName = (typeof CLASS_NAMES)[number];
/** Everything but NILM counts as abnormal for the binary screening decision. */
export const ABNORMAL_CLASSES: readonly ClassName[] = ['ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC'];

export type AnalysisMode = 'cell' | 'field';

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
  /** Calibrated class probabilities in CLASS_NAMES order (sum 1); null when no classifier is loaded. */
  probabilities: number[] | null;
  /** Argmax of probabilities, or null. */
  label: ClassName | null;
  /** Max probability; shown as confidence, never as a verdict. */
  confidence: number | null;
  /** P(abnormal) = 1 − P(NILM). */
  abnormalProbability: number | null;
  lowConfidence: boolean;
  /** The calibrated call: abnormalProbability ≥ the classifier's validated threshold. */
  abnormal?: boolean | null;
  /** Cell mode: true for the centred cell's nucleus, false for neighbours' nuclei. */
  primary?: boolean;
  /** Single-cell (Herlev) classifier: probabilities in `AnalysisResult.herlevClasses` order. */
  herlevProbabilities?: number[] | null;
  /** Argmax Herlev class (manifest name, e.g. `light_dysplastic`). */
  herlevLabel?: string | null;
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
  nuclei: Nucleus[];
  timings: StageTiming[];
  backend: string;
  modelVersions: Record<string, string>;
  warnings: string[];
  /** Order of every nucleus's `herlevProbabilities` (cell mode with the single-cell classifier). */
  herlevClasses?: string[];
}

export type { RgbaImage };
