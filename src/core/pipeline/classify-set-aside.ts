import { cropCell, CELL_CROP_SIZE, workingImage } from '../image/crop-cell';
import type { RgbaImage } from '../image/types';
import type { Nucleus } from '../types';
import { classifyFieldNucleus } from './classify-cell';
import type { PipelineModels } from './models';

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
): Promise<Nucleus> {
  if (!models.cls) throw new Error('No field classifier is loaded, so nothing can be classified.');
  const crop = cropCell(
    workingImage(image, scale),
    nucleus.centroid.x * scale,
    nucleus.centroid.y * scale,
    CELL_CROP_SIZE,
  );
  const p = await classifyFieldNucleus(crop, nucleus.morphometrics, scale, models);
  return { ...nucleus, ...p, classifiedOnRequest: true };
}
