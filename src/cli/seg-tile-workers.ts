import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import { UsageError } from './errors';
import { isGpuBackend, type PipelineModels } from '../core/pipeline/models';
import type { ModelSource } from '../models/source';
import { nodeSegTileWorker } from '../workers/node-worker';
import { shareDeepFeatures, shareSegTiles, type SegTileWorkers } from '../workers/seg-tiles';

/**
 * Helper workers for one analysis thread: one per core (at most 4), or PAPLENS_SEG_WORKERS (0 =
 * none, e.g. for an A/B in one checkout). With two or more, this thread only hands out tiles and
 * blends them: it answers the helpers at once, where a thread busy with its own tile left them
 * idle (9 tiles of a CRIC field: 4.3 s alone, 2.7 s with this thread + 1 helper, 2.2 s with 2
 * helpers; scripts/seg-tile-probe.ts, PERFORMANCE.md). Only when this is the only analysis thread,
 * and only on WASM, as in the app: on a GPU backend the tiles stay on the GPU.
 */
export function segTileWorkerCount(
  env: NodeJS.ProcessEnv = process.env,
  backend: string = tf.getBackend(),
): number {
  if (backend !== 'wasm') return 0;
  const v = env.PAPLENS_SEG_WORKERS;
  if (v !== undefined && v !== '') {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new UsageError(`PAPLENS_SEG_WORKERS must be 0 or more, got "${v}"`);
    return Math.min(n, 8);
  }
  const cores = availableParallelism();
  return cores < 2 ? 0 : Math.min(4, cores);
}

/**
 * Start the helpers and hand them to the segmentation model, then give them the CNNs for a
 * field's crops (null when none are wanted; a failure to load the CNNs leaves them tiles only).
 */
export async function shareSegTilesInNode(
  models: PipelineModels,
  source: ModelSource,
  count = segTileWorkerCount(),
): Promise<SegTileWorkers | null> {
  const workers = await shareSegTiles(models.seg, source, nodeSegTileWorker, count);
  // PAPLENS_CNN_WORKERS=0: tiles only (an A/B in one checkout).
  if (process.env.PAPLENS_CNN_WORKERS !== '0')
    await shareDeepFeatures(models, source, workers).catch(() => 0);
  return workers;
}

/**
 * LBP + SURF worker threads beside one analysis thread. On WASM one: the other cores run the tile
 * and CNN helpers. On a GPU backend the cores are free and, with a field's crops batched through
 * the CNNs, LBP + SURF become the critical path (docs/PERFORMANCE.md, *WebGPU on a real GPU*), so
 * one per spare core (≤ 8), as the app's pool takes every core.
 */
export function descriptorWorkerCount(
  backend: string = tf.getBackend(),
  cores: number = availableParallelism(),
): number {
  return isGpuBackend(backend) ? Math.max(1, Math.min(8, cores - 1)) : 1;
}
