import { classifyFeatures, type CellPrediction } from '../classify/fusion';
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
  const p = classifyFeatures(cls, features);
  if (stageMs) stageMs.pca_mlp = (stageMs.pca_mlp ?? 0) + now() - t;
  return p;
}
