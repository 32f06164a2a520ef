import { chooseThreshold, fitTemperature } from './calibrate';
import { fuseFeatures, standardise, type FusionModel } from './fusion';
import type { CellFeatures, FeatureGroupName } from './groups';
import { mlpLogits, trainMlp, type MlpTrainOptions } from './mlp';
import { fitPca, type PcaParams } from './pca';
import { DEFAULT_CELL_PIPELINE, type CellPipelineConfig } from '../pipeline/cell-features';

export interface LabelledSet {
  features: CellFeatures[];
  /** Class index into `classes`. */
  y: number[];
}

export interface FusionTrainOptions {
  groups: FeatureGroupName[];
  classes: readonly string[];
  varianceKept?: number;
  maxComponents?: number;
  mlp?: MlpTrainOptions;
  /**
   * Class-weighting of the loss: 'none', 'sqrt' (1/√freq) or 'balanced' (1/freq), normalised to mean 1.
   */
  classWeighting?: 'none' | 'sqrt' | 'balanced';
  /** Sensitivity target for the NILM-vs-abnormal threshold chosen on validation. */
  targetSensitivity?: number;
  /**
   * Scaling after PCA: 'zscore' gives every kept axis unit variance; 'group' divides each group by
   * one factor (its RMS std), keeping PCA's variance ordering so minor axes weigh less.
   */
  scaling?: 'zscore' | 'group';
  lowConfidenceBelow?: number;
  /** How the features were computed; stored with the model. */
  pipeline?: CellPipelineConfig;
  meta?: Record<string, unknown>;
}

export interface FusionTrainResult {
  model: FusionModel;
  bestEpoch: number;
  epochsRun: number;
  /** Uncalibrated (T = 1) validation logits, for ECE before/after. */
  valLogits: Float32Array[];
}

export function classWeights(
  y: readonly number[],
  numClasses: number,
  mode: 'none' | 'sqrt' | 'balanced',
): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const c of y) counts[c]++;
  const w = counts.map((n) =>
    mode === 'none' || n === 0 ? 1 : mode === 'sqrt' ? 1 / Math.sqrt(n) : 1 / n,
  );
  const present = counts.map((n) => n > 0);
  const mean =
    w.reduce((s, v, i) => s + (present[i] ? v : 0), 0) /
    Math.max(present.filter(Boolean).length, 1);
  return w.map((v) => v / mean);
}

/**
 * Fit the whole fusion head: PCA per group and the z-score scaler on TRAIN only, the MLP on
 * train with early stopping on VAL, then temperature and the operating threshold on VAL.
 */
export function trainFusion(
  train: LabelledSet,
  val: LabelledSet,
  options: FusionTrainOptions,
): FusionTrainResult {
  const k = options.classes.length;
  const groups: { name: FeatureGroupName; pca: PcaParams }[] = options.groups.map((name) => {
    const rows = train.features.map((f, i) => {
      const v = f[name];
      if (!v) throw new Error(`training cell ${i} lacks feature group "${name}"`);
      return v;
    });
    return {
      name,
      pca: fitPca(rows, {
        varianceKept: options.varianceKept ?? 0.95,
        maxComponents: options.maxComponents,
      }),
    };
  });
  const partial: FusionModel = {
    classes: options.classes,
    groups,
    scaler: { mean: new Float32Array(0), std: new Float32Array(0) },
    mlp: {
      inputDim: 0,
      hidden: 0,
      outputs: k,
      w1: new Float32Array(0),
      b1: new Float32Array(0),
      w2: new Float32Array(0),
      b2: new Float32Array(0),
    },
    temperature: 1,
    abnormalThreshold: 0.5,
    lowConfidenceBelow: options.lowConfidenceBelow ?? 0.5,
    pipeline: options.pipeline ?? DEFAULT_CELL_PIPELINE,
    meta: options.meta ?? {},
  };
  const fusedTrain = train.features.map((f) => fuseFeatures(partial, f));
  const fusedVal = val.features.map((f) => fuseFeatures(partial, f));
  const d = fusedTrain[0].length;
  const mean = new Float32Array(d);
  const std = new Float32Array(d);
  for (const x of fusedTrain) for (let j = 0; j < d; j++) mean[j] += x[j] / fusedTrain.length;
  for (const x of fusedTrain)
    for (let j = 0; j < d; j++) std[j] += (x[j] - mean[j]) ** 2 / fusedTrain.length;
  if ((options.scaling ?? 'zscore') === 'group') {
    let o = 0;
    for (const g of groups) {
      let v = 0;
      for (let j = o; j < o + g.pca.k; j++) v += std[j];
      const rms = Math.sqrt(v / g.pca.k) || 1;
      for (let j = o; j < o + g.pca.k; j++) std[j] = rms;
      o += g.pca.k;
    }
  } else for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) || 1;
  partial.scaler = { mean, std };
  const xTrain = fusedTrain.map((x) => standardise(partial.scaler, x));
  const xVal = fusedVal.map((x) => standardise(partial.scaler, x));
  const cw = classWeights(train.y, k, options.classWeighting ?? 'sqrt');
  const res = trainMlp(xTrain, train.y, xVal, val.y, k, { ...options.mlp, classWeights: cw });
  partial.mlp = res.params;
  const valLogits = xVal.map((x) => mlpLogits(res.params, x));
  partial.temperature = fitTemperature(valLogits, val.y);
  const nilm = options.classes.indexOf('NILM');
  if (nilm >= 0) {
    const scores = valLogits.map((l) => 1 - softmaxAt(l, partial.temperature, nilm));
    const op = chooseThreshold(
      scores,
      val.y.map((c) => (c === nilm ? 0 : 1)),
      options.targetSensitivity ?? 0.95,
    );
    partial.abnormalThreshold = op.threshold;
    partial.meta = { ...partial.meta, valOperatingPoint: op };
  }
  return { model: partial, bestEpoch: res.bestEpoch, epochsRun: res.epochsRun, valLogits };
}

function softmaxAt(logits: Float32Array, t: number, c: number): number {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v / t);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v / t - max);
  return Math.exp(logits[c] / t - max) / sum;
}
