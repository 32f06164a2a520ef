import {
  fuseFeatures,
  predictFromLogits,
  standardise,
  type CellPrediction,
} from '../classify/fusion';
import { mlpLogits } from '../classify/mlp';
import {
  morphVector,
  otherProbability,
  screenPrediction,
  type MorphInput,
  type ScreenedPrediction,
} from '../classify/other-gate';
import type { RgbaImage } from '../image/types';
import { extractCellFeatures } from './cell-features';
import { cellNucleusMask, type PipelineModels } from './models';

/**
 * Classify one working-scale cell crop (from `cropCell`) exactly as training saw it: nucleus mask
 * from the shipped segmentation when the model's view needs it, features, PCA + MLP.
 * `stageMs` accumulates per-stage time (segment_crop, deep_features, lbp, surf_bof, pca_mlp).
 */
export async function classifyCrop(
  crop: RgbaImage,
  models: PipelineModels,
  stageMs?: Record<string, number>,
): Promise<CellPrediction> {
  return (await classifyCropFused(crop, models, stageMs)).prediction;
}

/**
 * Field mode (issue 11): the Bethesda prediction of a nucleus's crop, folded with the Other gate
 * (from the same fused features and the nucleus's morphometrics at working scale `scale`) when a
 * screen model is shipped. Without one: the six classes and the classifier's own threshold.
 */
export async function classifyFieldNucleus(
  crop: RgbaImage,
  morph: MorphInput,
  scale: number,
  models: PipelineModels,
  stageMs?: Record<string, number>,
): Promise<ScreenedPrediction> {
  const { prediction: p, fused } = await classifyCropFused(crop, models, stageMs);
  const screen = models.screen;
  if (!screen) return p;
  const t = typeof performance !== 'undefined' ? performance.now() : Date.now();
  const pOther = otherProbability(screen, fused, morphVector(morph, scale), p.probabilities);
  const out = screenPrediction(p, pOther, screen.abnormalThreshold, models.cls!.lowConfidenceBelow);
  if (stageMs)
    stageMs.other_gate =
      (stageMs.other_gate ?? 0) +
      (typeof performance !== 'undefined' ? performance.now() : Date.now()) -
      t;
  return out;
}

async function classifyCropFused(
  crop: RgbaImage,
  models: PipelineModels,
  stageMs?: Record<string, number>,
): Promise<{ prediction: CellPrediction; fused: Float32Array }> {
  const cls = models.cls;
  if (!cls) throw new Error('No trained classification model is loaded.');
  const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
  let mask: Uint8Array | null = null;
  if (cls.pipeline.view !== 'plain') {
    if (!models.seg)
      throw new Error('This classifier needs the segmentation model, which is not loaded.');
    const t = now();
    mask = await cellNucleusMask(crop, models);
    if (stageMs) stageMs.segment_crop = (stageMs.segment_crop ?? 0) + now() - t;
  }
  const features = await extractCellFeatures(
    crop,
    mask,
    models.extractors,
    cls.groups.map((g) => g.name),
    cls.pipeline,
    stageMs,
  );
  const t = now();
  // classifyFeatures, keeping the fused vector for the Other gate.
  const fused = standardise(cls.scaler, fuseFeatures(cls, features));
  const prediction = predictFromLogits(cls, mlpLogits(cls.mlp, fused));
  if (stageMs) stageMs.pca_mlp = (stageMs.pca_mlp ?? 0) + now() - t;
  return { prediction, fused };
}
