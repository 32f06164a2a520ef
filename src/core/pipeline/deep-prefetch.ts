import type { CellFeatures, FeatureGroupName } from '../classify/groups';
import type { RgbaImage } from '../image/types';
import { runShared } from '../util/run-shared';
import type { DeepFeatureFn, DeepHelper } from './cell-features';

export interface DeepPrefetch {
  /** The deep features of job k (rejects when the prefetch failed). */
  get(k: number): Promise<CellFeatures>;
  /** Start no more jobs (a cancelled analysis); jobs already running finish and are dropped. */
  stop(): void;
}

/** One promise per job, settled from outside in any order (the prefetchers' result slots). */
export function pendingFeatures(count: number): {
  results: Promise<CellFeatures>[];
  settle: { resolve(f: CellFeatures): void; reject(e: unknown): void }[];
} {
  const settle: { resolve(f: CellFeatures): void; reject(e: unknown): void }[] = [];
  const results = Array.from({ length: count }, (_, k) => {
    const p = new Promise<CellFeatures>((resolve, reject) => (settle[k] = { resolve, reject }));
    // A job nobody reads any more (cancelled analysis) must not become an unhandled rejection.
    p.catch(() => undefined);
    return p;
  });
  return { results, settle };
}

/**
 * The deep features of a field's crops (issue 13), computed ahead of the per-nucleus loop by the
 * helpers (and this thread, with fewer than two helpers: with two, this thread only hands out
 * crops and runs the loop, as for segmentation tiles). On one WASM thread a dense field spent
 * ~45 % of its time in the CNNs while the other core idled. `cropOf(k)` is called once per job,
 * when the job starts; results come back in job order.
 */
export function prefetchDeep(
  count: number,
  cropOf: (k: number) => RgbaImage,
  wanted: readonly FeatureGroupName[],
  local: DeepFeatureFn,
  helpers: readonly DeepHelper[],
  /** A cancelled analysis: no job is started after it aborts. */
  signal?: AbortSignal,
): DeepPrefetch {
  let stopped = false;
  const { results, settle } = pendingFeatures(count);
  const run = runShared<CellFeatures>(
    count,
    (k) => local(cropOf(k), wanted),
    // Two jobs queued per helper, so it never waits for this thread to hand out the next crop.
    helpers.flatMap((h) => {
      const job = (k: number): Promise<CellFeatures> => h.features(cropOf(k), wanted);
      return [job, job];
    }),
    (k, f) => settle[k].resolve(f),
    helpers.length < 2,
    () => stopped || !!signal?.aborted,
  );
  run.catch((e: unknown) => {
    for (const s of settle) s.reject(e);
  });
  return {
    get: (k) => results[k],
    stop: () => {
      stopped = true;
    },
  };
}
