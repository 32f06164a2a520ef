import { ABNORMAL_CLASSES, CLASS_NAMES, NUCLEUS_CLASSES, type NucleusLabel } from '../types';
import type { CellPrediction } from './fusion';
import { mlpLogits, softmax, type MlpParams } from './mlp';

/**
 * Field screening model (issue 11): a gate that says how likely an outlined object is NOT a
 * squamous epithelial nucleus (`Other`: leukocyte, debris, clump, blur), plus the screening
 * operating point chosen on validation with `paplens eval-fields`.
 *
 * The gate is positive-unlabelled: CRIC marks only some epithelial nuclei, so it was trained to
 * tell *labelled* nuclei from the rest, s(x) = P(labelled | x), and under the usual PU assumption
 * P(epithelial | x) = s(x) / c, with c = mean s over labelled val nuclei (Elkan & Noto 2008).
 * Inputs: the classifier's fused, standardised features (the same vector its MLP sees) and the
 * nucleus morphometrics at working scale, z-scored. docs/SCREENING.md has the training and figures.
 */
export interface ScreenModel {
  format: typeof SCREEN_FORMAT;
  /** The classifier version whose fused features the gate reads (refused with another one). */
  clsVersion: string;
  /**
   * The segmentation model whose morphometrics the gate was fitted on (first 12 hex of its weights'
   * SHA-256); refused with another one. Absent in files written before it was recorded.
   */
  segVersion?: string;
  morph: { names: MorphFeatureName[]; mean: number[]; std: number[] };
  /** Length of the classifier's fused vector. */
  fusedDim: number;
  /**
   * [start, end) slices of the fused vector the gate reads, e.g. only the LBP and BoF blocks: the
   * CNN blocks were fine-tuned on the labelled train cells, so "labelled vs not" is memorised there.
   */
  fusedRanges: [number, number][];
  /**
   * Whether the gate also reads log P(class) of the six Bethesda classes (after the morphometrics):
   * small dark high-grade nuclei look like leukocytes by shape alone.
   */
  classInputs: boolean;
  mlp: MlpParams;
  /** Elkan–Noto label frequency c: P(labelled | epithelial), estimated on val. */
  labelFrequency: number;
  /** Screening call: P(abnormal) (sum over the abnormal classes) ≥ this. */
  abnormalThreshold: number;
  /** A field is flagged abnormal when it has at least this many abnormal calls. */
  fieldMinCalls: number;
  meta: Record<string, unknown>;
}

export const SCREEN_FORMAT = 'paplens-screen-v1';
export const SCREEN_PATH = 'screen/model.json';

export const MORPH_FEATURES = [
  'logArea',
  'perimeter',
  'circularity',
  'eccentricity',
  'meanIntensity',
] as const;
export type MorphFeatureName = (typeof MORPH_FEATURES)[number];

export interface MorphInput {
  areaPx: number;
  perimeterPx: number;
  circularity: number;
  eccentricity: number;
  meanIntensity: number;
}

/** Morphometrics at working scale (`scale` = working / input px), in MORPH_FEATURES order. */
export function morphVector(m: MorphInput, scale = 1): number[] {
  return [
    Math.log(Math.max(1, m.areaPx * scale * scale)),
    m.perimeterPx * scale,
    m.circularity,
    m.eccentricity,
    m.meanIntensity,
  ];
}

export function gateInputDim(
  ranges: readonly [number, number][],
  morphCount: number,
  classInputs = false,
): number {
  return ranges.reduce((s, [a, b]) => s + b - a, 0) + morphCount + (classInputs ? N_CLASSES : 0);
}

const N_CLASSES = CLASS_NAMES.length;

/** [selected fused slices, z-scored morphometrics, log P(Bethesda class) when classInputs]. */
export function gateInput(
  model: ScreenModel,
  fused: Float32Array,
  morph: number[],
  probabilities?: readonly number[],
): Float32Array {
  if (fused.length !== model.fusedDim)
    throw new Error(`the Other gate expects ${model.fusedDim} fused features, got ${fused.length}`);
  const x = new Float32Array(gateInputDim(model.fusedRanges, morph.length, model.classInputs));
  let o = 0;
  for (const [a, b] of model.fusedRanges) {
    x.set(fused.subarray(a, b), o);
    o += b - a;
  }
  morph.forEach((v, j) => {
    // A missing measurement (no outline) sits at the training mean.
    const z = (v - model.morph.mean[j]) / model.morph.std[j];
    x[o + j] = Number.isFinite(z) ? z : 0;
  });
  if (model.classInputs) {
    if (!probabilities || probabilities.length !== N_CLASSES)
      throw new Error('the Other gate needs the six Bethesda probabilities');
    o += morph.length;
    for (let c = 0; c < N_CLASSES; c++) x[o + c] = Math.log(Math.max(probabilities[c], 1e-4));
  }
  return x;
}

/** P(Other | x) = 1 − min(1, s(x) / c); `probabilities` = the six Bethesda ones (classInputs). */
export function otherProbability(
  model: ScreenModel,
  fused: Float32Array,
  morph: number[],
  probabilities?: readonly number[],
): number {
  const s = softmax(mlpLogits(model.mlp, gateInput(model, fused, morph, probabilities)))[1];
  return 1 - Math.min(1, s / model.labelFrequency);
}

export interface ScreenedPrediction {
  /** NUCLEUS_CLASSES order: P(Bethesda class) × (1 − P(Other)), then P(Other). */
  probabilities: number[];
  label: NucleusLabel;
  confidence: number;
  abnormalProbability: number;
  abnormal: boolean;
  lowConfidence: boolean;
}

/** Fold P(Other) into the Bethesda prediction; argmax and P(abnormal) over all seven classes. */
export function screenPrediction(
  pred: CellPrediction,
  pOther: number,
  abnormalThreshold: number,
  lowConfidenceBelow: number,
): ScreenedPrediction {
  const keep = 1 - pOther;
  const probabilities = [...pred.probabilities.map((p) => p * keep), pOther];
  let best = 0;
  for (let c = 1; c < probabilities.length; c++)
    if (probabilities[c] > probabilities[best]) best = c;
  const abnormalProbability = ABNORMAL_CLASSES.reduce(
    (s, c) => s + probabilities[CLASS_NAMES.indexOf(c)],
    0,
  );
  const label = NUCLEUS_CLASSES[best];
  return {
    probabilities,
    label,
    confidence: probabilities[best],
    abnormalProbability,
    // An object set aside as Other is never a screening call (it is not counted anywhere).
    abnormal: label !== 'Other' && abnormalProbability >= abnormalThreshold,
    lowConfidence: probabilities[best] < lowConfidenceBelow,
  };
}

/** Parse and check a screen model file (JSON with plain number arrays; it is small). */
export function parseScreenModel(json: unknown): ScreenModel {
  const j = json as Record<string, unknown> & {
    mlp?: Record<string, unknown>;
    morph?: ScreenModel['morph'];
  };
  if (!j || j.format !== SCREEN_FORMAT) throw new Error(`not a ${SCREEN_FORMAT} file`);
  const m = j.mlp;
  if (!m || !j.morph) throw new Error('the screen model has no gate');
  const f32 = (v: unknown, n: number, what: string): Float32Array => {
    if (!Array.isArray(v) || v.length !== n) throw new Error(`screen model: bad ${what}`);
    return Float32Array.from(v as number[]);
  };
  const inputDim = Number(m.inputDim);
  const hidden = Number(m.hidden);
  const outputs = Number(m.outputs);
  if (outputs !== 2) throw new Error('screen model: the gate must have two outputs');
  const ranges = j.fusedRanges as [number, number][];
  if (
    !Array.isArray(ranges) ||
    ranges.some(([a, b]) => !(a >= 0 && b > a && b <= Number(j.fusedDim))) ||
    inputDim !== gateInputDim(ranges, j.morph.names.length, j.classInputs === true)
  )
    throw new Error('screen model: input size does not match its features');
  return {
    format: SCREEN_FORMAT,
    clsVersion: String(j.clsVersion),
    ...(typeof j.segVersion === 'string' ? { segVersion: j.segVersion } : {}),
    morph: j.morph,
    fusedDim: Number(j.fusedDim),
    fusedRanges: ranges,
    classInputs: j.classInputs === true,
    mlp: {
      inputDim,
      hidden,
      outputs,
      w1: f32(m.w1, hidden * inputDim, 'w1'),
      b1: f32(m.b1, hidden, 'b1'),
      w2: f32(m.w2, outputs * hidden, 'w2'),
      b2: f32(m.b2, outputs, 'b2'),
    },
    labelFrequency: Number(j.labelFrequency),
    abnormalThreshold: Number(j.abnormalThreshold),
    fieldMinCalls: Number(j.fieldMinCalls),
    meta: (j.meta as Record<string, unknown>) ?? {},
  };
}

/** JSON form of a screen model (number arrays, rounded to 6 significant digits). */
export function serializeScreenModel(model: ScreenModel): Record<string, unknown> {
  const arr = (a: Float32Array): number[] => Array.from(a, (v) => Number(v.toPrecision(6)));
  return {
    ...model,
    mlp: {
      inputDim: model.mlp.inputDim,
      hidden: model.mlp.hidden,
      outputs: model.mlp.outputs,
      w1: arr(model.mlp.w1),
      b1: arr(model.mlp.b1),
      w2: arr(model.mlp.w2),
      b2: arr(model.mlp.b2),
    },
  };
}
