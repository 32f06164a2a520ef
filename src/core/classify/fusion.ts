import { CLASS_NAMES, type ClassName } from '../types';
import type { CellFeatures, FeatureGroupName } from './groups';
import { mlpLogits, softmax, type MlpParams } from './mlp';
import { pcaTransform, type PcaParams } from './pca';
import type { CellPipelineConfig } from '../pipeline/cell-features';

/** Per-group PCA → concatenation → z-score → MLP → softmax(logits / T). */
export interface FusionModel {
  classes: readonly string[];
  groups: { name: FeatureGroupName; pca: PcaParams }[];
  scaler: { mean: Float32Array; std: Float32Array };
  mlp: MlpParams;
  /** Temperature fitted on validation (probabilities = softmax(logits / T)). */
  temperature: number;
  /** Operating threshold on P(abnormal) chosen on validation. */
  abnormalThreshold: number;
  /** A prediction whose top probability is below this is flagged low-confidence. */
  lowConfidenceBelow: number;
  /** How the features were computed (view, LBP variant): inference must do the same. */
  pipeline: CellPipelineConfig;
  /** Free-form provenance (data, split, seeds, epochs, metrics). */
  meta: Record<string, unknown>;
}

export interface CellPrediction {
  logits: number[];
  probabilities: number[];
  label: ClassName;
  confidence: number;
  abnormalProbability: number;
  /** P(abnormal) ≥ the model's validated operating threshold. */
  abnormal: boolean;
  lowConfidence: boolean;
}

/** Reduce each group with its PCA and concatenate, in the model's group order. */
export function fuseFeatures(model: FusionModel, features: CellFeatures): Float32Array {
  const parts: Float32Array[] = [];
  for (const g of model.groups) {
    const f = features[g.name];
    if (!f) throw new Error(`feature group "${g.name}" is missing for this cell`);
    parts.push(pcaTransform(g.pca, f));
  }
  return concat(parts);
}

/** Apply the stored z-score scaler (fitted on the training split). */
export function standardise(scaler: FusionModel['scaler'], x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = (x[j] - scaler.mean[j]) / scaler.std[j];
  return out;
}

export function predictFromLogits(model: FusionModel, logits: ArrayLike<number>): CellPrediction {
  const probabilities = softmax(logits, model.temperature);
  let best = 0;
  for (let c = 1; c < probabilities.length; c++)
    if (probabilities[c] > probabilities[best]) best = c;
  const nilm = model.classes.indexOf('NILM');
  const abnormalProbability = nilm >= 0 ? 1 - probabilities[nilm] : NaN;
  const confidence = probabilities[best];
  return {
    logits: Array.from(logits),
    probabilities,
    label: (model.classes[best] ?? CLASS_NAMES[best]) as ClassName,
    confidence,
    abnormalProbability,
    abnormal: abnormalProbability >= model.abnormalThreshold,
    lowConfidence: confidence < model.lowConfidenceBelow,
  };
}

export function classifyFeatures(model: FusionModel, features: CellFeatures): CellPrediction {
  const x = standardise(model.scaler, fuseFeatures(model, features));
  return predictFromLogits(model, mlpLogits(model.mlp, x));
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
