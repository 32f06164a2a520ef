import type { FeatureGroupName } from '../classify/groups';
import type { RgbaImage } from '../image/types';
import type { DeepBatchFn } from './cell-features';
import { pendingFeatures, type DeepPrefetch } from './deep-prefetch';

/** Crops per CNN call on a GPU (deepFeaturesBatch's chunk; 32 crops of 3 nets fit any GPU). */
export const DEEP_BATCH = 32;

/**
 * The deep features of a field's crops, `size` crops per CNN call, computed ahead of the
 * per-nucleus loop (issue 13, GPU backends). On a GPU one crop per call is bound by dispatch and
 * read-back, not arithmetic: on an H200 with WebGPU, 3 CNNs took 23 ms for one crop and 57 ms for
 * 50 in one call (`paplens bench`, docs/PERFORMANCE.md). Batches run one after another, in
 * order; `cropOf(k)` is called once per job, when its batch starts.
 */
export function batchDeep(
  count: number,
  cropOf: (k: number) => RgbaImage,
  wanted: readonly FeatureGroupName[],
  batch: DeepBatchFn,
  size = DEEP_BATCH,
  /** A cancelled analysis: no batch is started after it aborts. */
  signal?: AbortSignal,
): DeepPrefetch {
  let stopped = false;
  const { results, settle } = pendingFeatures(count);
  void (async () => {
    let k = 0;
    try {
      while (k < count) {
        if (stopped || signal?.aborted) throw new Error('the analysis was cancelled');
        const n = Math.min(size, count - k);
        const crops = Array.from({ length: n }, (_, i) => cropOf(k + i));
        const out = await batch(crops, wanted);
        for (let i = 0; i < n; i++) settle[k + i].resolve(out[i]);
        k += n;
      }
    } catch (e) {
      for (; k < count; k++) settle[k].reject(e);
    }
  })();
  return {
    get: (k) => results[k],
    stop: () => {
      stopped = true;
    },
  };
}
