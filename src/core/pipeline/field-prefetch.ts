import type { FusionModel } from '../classify/fusion';
import type { FeatureGroupName } from '../classify/groups';
import type { RgbaImage } from '../image/types';
import { handcraftedGroups, type HandcraftedFeatures } from './cell-features';
import { batchDeep, DEEP_BATCH } from './deep-batches';
import { prefetchDeep, type DeepPrefetch } from './deep-prefetch';
import type { PipelineModels } from './models';

/** Crops whose LBP + BoF are started ahead of the CNNs (descriptor pool only). */
export const DESCRIPTOR_PREFETCH = 16;

/**
 * A field's per-crop work started ahead of the per-nucleus loop (issue 13): LBP + SURF-BoF on the
 * descriptor pool (DESCRIPTOR_PREFETCH crops ahead, so its workers run while the CNNs infer) and
 * the CNN features on the tile workers' copies of the CNNs (every crop, in order) or, on a GPU,
 * in batches of crops per CNN call (src/core/pipeline/deep-batches.ts). The loop
 * classifies with `models`, whose extractors answer from that work for those crops and compute
 * anything else as before; results are consumed in nucleus order, so they are the same as one
 * at a time. Only for the 'plain' view: there the view is the crop itself (cellView returns it
 * unchanged), no per-crop segmentation is needed first.
 */
export interface FieldPrefetch {
  /** What the per-nucleus loop classifies with (the given models when nothing is prefetched). */
  models: PipelineModels;
  /** The loop is about to classify queue position `k`: keep the descriptors far enough ahead. */
  advance(k: number): void;
  /** Start nothing more (the loop ended or was cancelled). */
  stop(): void;
}

export function fieldPrefetch(
  models: PipelineModels,
  cls: FusionModel,
  /** The nuclei that reach the classifier, in order. */
  queue: readonly number[],
  /** The crop of nucleus i: the same object every time until the loop has classified it. */
  cropAt: (i: number) => RgbaImage,
  signal?: AbortSignal,
): FieldPrefetch {
  const plain = cls.pipeline.view === 'plain';
  const groups = cls.groups.map((g) => g.name);
  const hook = plain ? models.extractors.handcrafted : undefined;
  const handGroups = handcraftedGroups(groups);
  const pending = new Map<RgbaImage, Promise<HandcraftedFeatures>>();
  let started = 0;
  const localDeep = models.extractors.deep;
  const helpers = models.extractors.deepHelpers ?? [];
  const wantedDeep = groups.filter((g) => models.extractors.deepGroups?.includes(g));
  const deepJob = new Map<RgbaImage, number>();
  const cropOf = (k: number): RgbaImage => {
    const c = cropAt(queue[k]);
    deepJob.set(c, k);
    return c;
  };
  const batch = models.extractors.deepBatch;
  const ahead = plain && wantedDeep.length > 0 && queue.length > 1;
  // Helpers (WASM: copies of the CNNs on other cores), else batches (GPU), else one at a time.
  const deepAhead: DeepPrefetch | null =
    ahead && localDeep && helpers.length > 0
      ? prefetchDeep(queue.length, cropOf, wantedDeep, localDeep, helpers, signal)
      : ahead && batch
        ? batchDeep(queue.length, cropOf, wantedDeep, batch, DEEP_BATCH, signal)
        : null;
  const describeAhead = !!hook && handGroups.length > 0;
  if (!describeAhead && !deepAhead)
    return { models, advance: () => undefined, stop: () => undefined };
  return {
    models: {
      ...models,
      extractors: {
        ...models.extractors,
        ...(describeAhead && hook
          ? {
              handcrafted: (view, region, g, lbp, sig) => {
                const p = region ? undefined : pending.get(view);
                if (!p) return hook(view, region, g, lbp, sig);
                pending.delete(view);
                return p;
              },
            }
          : {}),
        ...(deepAhead && localDeep
          ? {
              deep: (view: RgbaImage, wanted: readonly FeatureGroupName[]) => {
                const k = deepJob.get(view);
                if (k === undefined || wanted.join() !== wantedDeep.join())
                  return localDeep(view, wanted);
                deepJob.delete(view);
                return deepAhead.get(k);
              },
            }
          : {}),
      },
    },
    advance(k) {
      if (!describeAhead || !hook) return;
      for (; started < Math.min(queue.length, k + DESCRIPTOR_PREFETCH); started++) {
        const c = cropAt(queue[started]);
        const p = hook(c, undefined, handGroups, cls.pipeline.lbp, signal);
        // Awaited later in order; an abort meanwhile must not surface as an unhandled rejection.
        p.catch(() => undefined);
        pending.set(c, p);
      }
    },
    stop: () => deepAhead?.stop(),
  };
}
