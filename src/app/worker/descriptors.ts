import type { Vocabulary } from '../../core/features/bof';
import { describeCell, type DescribeCellOptions } from '../../core/features/describe-cell';
import type { HandcraftedFeatureFn, HandcraftedFeatures } from '../../core/pipeline/cell-features';
import {
  createDescriptorPool,
  type DescriptorPool,
  type DescriptorPoolOptions,
} from '../../workers/descriptor-pool';
import type { DescriptorPoolInfo } from './protocol';

/** How long the pool may take to answer its first (warm-up) call before the app gives up on it. */
const START_TIMEOUT_MS = 20_000;

export interface AppDescriptors {
  /** The hook handed to the pipeline (pool, or the inline path after a pool failure). */
  hook: HandcraftedFeatureFn;
  info(): DescriptorPoolInfo;
  /** Non-empty once the pool failed: the reason, for the result's warnings. */
  failure(): string | null;
  terminate(): void;
}

function isAbort(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === 'AbortError';
}

function pick(
  d: { lbp: Float32Array; bof: Float32Array },
  groups: readonly string[],
): HandcraftedFeatures {
  return {
    ...(groups.includes('lbp') ? { lbp: d.lbp } : {}),
    ...(groups.includes('bof') ? { bof: d.bof } : {}),
  };
}

/**
 * LBP + SURF BoF in the descriptor worker pool (nested workers of the analysis worker). Same
 * function (`describeCell`) and options as the inline path, so the numbers are identical. If the
 * pool cannot start (no nested workers, script blocked) or a worker dies, it falls back to the
 * inline path for good and says why.
 */
export async function startDescriptors(
  vocabulary: Vocabulary,
  /** Tests: Node worker threads and a fixed size instead of the browser's nested workers. */
  poolOptions: Pick<DescriptorPoolOptions, 'createWorker' | 'size'> = {},
): Promise<AppDescriptors> {
  let pool: DescriptorPool | null = null;
  let failed: string | null = null;
  let calls = 0;
  let inlineCalls = 0;
  const fail = (e: unknown): void => {
    failed ??= e instanceof Error ? e.message : String(e);
    pool?.terminate();
  };
  try {
    if (!poolOptions.createWorker && typeof Worker === 'undefined')
      throw new Error('this browser has no nested Web Workers');
    pool = createDescriptorPool({ vocabulary, ...poolOptions });
    // Warm-up: proves a worker starts and answers (and keeps it warm for the first image).
    const blank = { width: 16, height: 16, data: new Uint8ClampedArray(16 * 16 * 4).fill(200) };
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      pool.describe(blank),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('the descriptor workers did not answer in time')),
          START_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (e) {
    fail(e);
  }

  const inline = (...[view, region, groups, lbp]: Parameters<HandcraftedFeatureFn>) => {
    inlineCalls++;
    const options: DescribeCellOptions = { lbpVariant: lbp.variant, lbpRadii: lbp.radii };
    return pick(describeCell(view, region, vocabulary, options), groups);
  };

  return {
    async hook(view, region, groups, lbp, signal) {
      if (pool && !failed) {
        try {
          // Copies: the pool transfers (detaches) its buffers, and the CNNs still read `view`.
          const d = await pool.describe(
            { width: view.width, height: view.height, data: view.data.slice() },
            region?.slice(),
            signal,
            { lbpVariant: lbp.variant, lbpRadii: lbp.radii },
          );
          calls++;
          return pick(d, groups);
        } catch (e) {
          if (isAbort(e) || signal?.aborted) throw e;
          fail(e);
        }
      }
      return inline(view, region, groups, lbp);
    },
    info: () => ({
      size: pool && !failed ? pool.size : 0,
      liveWorkers: pool && !failed ? pool.liveWorkers() : 0,
      calls,
      inlineCalls,
      failure: failed,
    }),
    failure: () => failed,
    terminate: () => pool?.terminate(),
  };
}
