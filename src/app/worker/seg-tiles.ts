import * as tf from '@tensorflow/tfjs';
import type { PipelineModels } from '../../core/pipeline/models';
import type { ModelSource } from '../../models/source';
import { webWorkerHandle, type WorkerHandle } from '../../workers/descriptor-pool';
import { shareSegTiles, type SegTileWorkers } from '../../workers/seg-tiles';

function browserSegTileWorker(): WorkerHandle {
  return webWorkerHandle(
    new Worker(new URL('../../workers/seg-tile.worker.ts', import.meta.url), {
      type: 'module',
      name: 'paplens-seg-tiles',
    }),
  );
}

export interface TileWorkerEnv {
  backend: string;
  workers: boolean;
  cores: number;
  memoryGb?: number;
}

/** This worker's device, with the backend tfjs runs (or the one about to be started). */
export function browserTileEnv(backend: string = tf.getBackend()): TileWorkerEnv {
  return {
    backend,
    workers: typeof Worker !== 'undefined',
    cores: navigator.hardwareConcurrency || 1,
    memoryGb: (navigator as Navigator & { deviceMemory?: number }).deviceMemory,
  };
}

/**
 * Tile workers for the WASM backend: one per core (at most 4; none on one core), or `wanted`
 * (?segWorkers=N). tfjs-wasm runs one thread per model on 2 cores and its own threads did not pay
 * (docs/PERFORMANCE.md); on a GPU backend the tiles stay on the GPU. Each worker holds ~0.45 GB
 * (its WASM heap grows to a 512² tile's activations), so the device's memory caps them too.
 */
export function segTileWorkerCount(
  wanted: number | null,
  env: TileWorkerEnv = browserTileEnv(),
): number {
  if (env.backend !== 'wasm' || !env.workers) return 0;
  if (wanted !== null) return Math.max(0, Math.min(8, Math.floor(wanted)));
  if (env.cores < 2) return 0;
  const byCores = Math.min(4, env.cores);
  // deviceMemory is Chromium's rounded RAM in GB (absent elsewhere: no cap).
  if (env.memoryGb === undefined || env.memoryGb >= 8) return byCores;
  return env.memoryGb >= 4 ? 1 : 0;
}

/** Start them in the background; they take tiles once loaded (null: none wanted). */
export function shareSegTilesInApp(
  models: PipelineModels,
  source: ModelSource,
  count: number,
): Promise<SegTileWorkers | null> | null {
  if (!models.seg?.shareTiles || count < 1) return null;
  return shareSegTiles(models.seg, source, browserSegTileWorker, count).catch(
    (e: unknown): SegTileWorkers => ({
      // Diagnostics says why; the tiles simply stay in the analysis worker.
      helpers: [],
      failure: () => (e instanceof Error ? e.message : String(e)),
      loadDeep: () => Promise.resolve([]),
      terminate: () => undefined,
    }),
  );
}
