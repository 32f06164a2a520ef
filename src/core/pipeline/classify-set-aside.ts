import { cropCell, CELL_CROP_SIZE, workingImage } from '../image/crop-cell';
import type { RgbaImage } from '../image/types';
import type { AnalysisResult, Nucleus } from '../types';
import { classifyFieldNucleus } from './classify-cell';
import type { PipelineModels } from './models';
import { isSetAside } from './set-aside';

/**
 * "Classify anyway": the full field path for one object of an analysis, typically one the Other
 * gate settled before the classifier (src/core/pipeline/gate-first.ts: no class probabilities).
 * Cropped from the same working-scale pixels and classified by the same code as `analyze()`
 * (so a nucleus the analysis classified gets its own probabilities back). The gate's P(Other) is
 * part of the answer, so an object it set aside stays labelled Other and uncounted; what the user
 * gains is the split among the six classes. `scale` is the analysis' (`AnalysisResult.scale`).
 */
export async function classifySetAside(
  image: RgbaImage,
  nucleus: Nucleus,
  scale: number,
  models: PipelineModels,
  /** `image` at the working scale, when the caller has it already (several objects). */
  working: RgbaImage = workingImage(image, scale),
): Promise<Nucleus> {
  if (!models.cls) throw new Error('No field classifier is loaded, so nothing can be classified.');
  const crop = cropCell(
    working,
    nucleus.centroid.x * scale,
    nucleus.centroid.y * scale,
    CELL_CROP_SIZE,
  );
  const p = await classifyFieldNucleus(crop, nucleus.morphometrics, scale, models);
  return { ...nucleus, ...p, classifiedOnRequest: true };
}

/**
 * "Classify anyway" for every object a field analysis set aside (`paplens analyze
 * --classify-set-aside`): the same answers as asking for them one at a time in the app.
 */
export async function classifyEverySetAside(
  image: RgbaImage,
  result: AnalysisResult,
  models: PipelineModels,
): Promise<AnalysisResult> {
  if (result.mode !== 'field' || !models.cls || !result.nuclei.some(isSetAside)) return result;
  const working = workingImage(image, result.scale);
  const nuclei: Nucleus[] = [];
  for (const n of result.nuclei)
    nuclei.push(
      isSetAside(n) ? await classifySetAside(image, n, result.scale, models, working) : n,
    );
  return { ...result, nuclei };
}
