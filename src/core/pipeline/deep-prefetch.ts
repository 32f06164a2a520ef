import type { RgbaImage } from '../image/types';
import type { CellFeatures, FeatureGroupName } from '../classify/groups';
import type { PipelineModels } from './models';

/** Crops per CNN call: large enough to amortise per-call overhead, small enough for memory. */
export const DEEP_BATCH = 16;

/**
 * All crops of a field through each CNN in batches (issue 13: one crop per call spent most of a
 * dense field's time in per-call overhead), before the per-nucleus loop. Returns models whose
 * deep extractor answers from these features for exactly these crop objects (the plain view is
 * the crop itself) and falls back to the normal extractor for anything else, so per-nucleus code
 * is unchanged and the features are the same numbers.
 */
export async function withDeepPrefetch(
  models: PipelineModels,
  crops: readonly RgbaImage[],
  groups: readonly FeatureGroupName[],
  options: {
    stageMs?: Record<string, number>;
    signal?: AbortSignal;
    onProgress?: (fraction: number) => void;
  } = {},
): Promise<PipelineModels> {
  const ex = models.extractors;
  const wanted = groups.filter((g) => ex.deepGroups?.includes(g));
  if (!ex.deepBatch || !ex.deep || wanted.length === 0 || crops.length === 0) return models;
  const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
  const t = now();
  const cache = new Map<RgbaImage, CellFeatures>();
  for (let start = 0; start < crops.length; start += DEEP_BATCH) {
    if (options.signal?.aborted) break; // the caller's loop reports the cancellation
    const chunk = crops.slice(start, start + DEEP_BATCH);
    const feats = await ex.deepBatch(chunk, wanted);
    chunk.forEach((c, i) => cache.set(c, feats[i]));
    options.onProgress?.(Math.min(1, (start + chunk.length) / crops.length));
  }
  if (options.stageMs)
    options.stageMs.deep_features = (options.stageMs.deep_features ?? 0) + now() - t;
  const single = ex.deep;
  return {
    ...models,
    extractors: {
      ...ex,
      deep: (view, want) => {
        const hit = cache.get(view);
        if (hit && want.every((g) => g in hit)) {
          cache.delete(view);
          return Promise.resolve(hit);
        }
        return single(view, want);
      },
    },
  };
}
