import { wrap, transfer, type Remote } from 'comlink';
import type { DeepNetName } from '../core/features/deep/index';
import { readDeepFiles } from '../core/features/deep/index';
import type { DeepHelper } from '../core/pipeline/cell-features';
import type { PipelineModels, SegAdapter } from '../core/pipeline/models';
import type { ModelSource } from '../models/source';
import type { SegManifest, SegModelFiles } from '../core/segment/model';
import type { TileHelper } from '../core/segment/tile-helpers';
import type { WorkerHandle } from './descriptor-pool';
import type { SegTileApi } from './seg-tile-api';

export interface SegTileWorkers {
  helpers: TileHelper[];
  /**
   * Load the CNN feature extractors into every running worker too (same files, version checked);
   * resolves to the workers that did. A worker that fails to load them still takes tiles.
   */
  loadDeep(
    files: Record<string, Uint8Array>,
    names: DeepNetName[],
    version: string,
  ): Promise<DeepHelper[]>;
  /** Non-null when a worker failed (its tiles went back to the analysis thread). */
  failure(): string | null;
  terminate(): void;
}

/**
 * Start `count` workers holding copies of the segmentation network (same manifest and weights
 * bytes as the analysis thread's, same version checked). A worker that cannot start is left out;
 * one that dies later rejects its pending tile, which the analysis thread then computes itself.
 */
export async function startSegTileWorkers(
  files: { manifest: SegManifest; weights: Uint8Array },
  version: string,
  createWorker: () => WorkerHandle,
  count: number,
): Promise<SegTileWorkers> {
  let failed: string | null = null;
  const handles: WorkerHandle[] = [];
  const stoppers: (() => void)[] = [];
  interface Started {
    tiles: TileHelper;
    loadDeep(
      files: Record<string, Uint8Array>,
      names: DeepNetName[],
      version: string,
    ): Promise<DeepHelper | null>;
  }
  const started = await Promise.all(
    Array.from({ length: count }, async (): Promise<Started | null> => {
      let handle: WorkerHandle;
      try {
        handle = createWorker();
      } catch (e) {
        failed ??= (e as Error).message;
        return null;
      }
      handles.push(handle);
      let dead: string | null = null;
      const rejecters = new Set<(e: Error) => void>();
      const kill = (message: string): void => {
        dead ??= message;
        for (const r of rejecters) r(new Error(`segmentation tile worker failed: ${message}`));
        rejecters.clear();
      };
      handle.onFailure((message) => {
        failed ??= message;
        kill(message);
      });
      // A terminated worker never answers either (its exit is not a failure).
      stoppers.push(() => kill('terminated'));
      // A dead worker never answers: every call also waits on its failure.
      const guarded = <T>(p: Promise<T>): Promise<T> =>
        dead !== null
          ? Promise.reject(new Error(`segmentation tile worker failed: ${dead}`))
          : new Promise<T>((resolve, reject) => {
              rejecters.add(reject);
              p.then(resolve, reject).finally(() => rejecters.delete(reject));
            });
      const api: Remote<SegTileApi> = wrap<SegTileApi>(handle.endpoint);
      try {
        const weights = files.weights.slice();
        const v = await guarded(api.load(files.manifest, transfer(weights, [weights.buffer])));
        if (v !== version) throw new Error(`it loaded segmentation model ${v}, not ${version}`);
      } catch (e) {
        failed ??= (e as Error).message;
        handle.terminate();
        return null;
      }
      return {
        tiles: {
          predict: (tile, ph, pw) =>
            guarded(api.predict(transfer(tile, [tile.buffer]), ph, pw) as Promise<Float32Array>),
        },
        async loadDeep(deepFiles, names, deepVersion) {
          try {
            const v = await guarded(api.loadDeep(deepFiles, names));
            if (v !== deepVersion) throw new Error(`it loaded CNNs ${v}, not ${deepVersion}`);
          } catch (e) {
            failed ??= (e as Error).message;
            return null;
          }
          return {
            // A copy of the crop travels (the analysis thread still reads it for LBP/SURF).
            features: (crop, wanted) => guarded(api.deepFeatures(crop, [...wanted])),
          };
        },
      };
    }),
  );
  const running = started.filter((h): h is Started => h !== null);
  return {
    helpers: running.map((h) => h.tiles),
    loadDeep: async (deepFiles, names, deepVersion) =>
      (await Promise.all(running.map((h) => h.loadDeep(deepFiles, names, deepVersion)))).filter(
        (h): h is DeepHelper => h !== null,
      ),
    failure: () => failed,
    terminate: () => {
      for (const h of handles) h.terminate();
      for (const stop of stoppers) stop();
    },
  };
}

/** The segmentation model's files as the analysis thread's source gives them (verified there). */
export async function readSegFiles(
  source: SegModelFiles,
): Promise<{ manifest: SegManifest; weights: Uint8Array }> {
  const manifest = await source.readJson<SegManifest>('seg/model.json');
  const weights = await source.readBytes(`seg/${manifest.weights.path.split('/').pop()}`);
  return { manifest, weights };
}

/**
 * Start `count` tile workers from `source`'s segmentation files and hand them to `seg` (null when
 * it cannot share tiles or none are wanted). Node and the app differ only in `createWorker`.
 */
export async function shareSegTiles(
  seg: SegAdapter | undefined,
  source: SegModelFiles,
  createWorker: () => WorkerHandle,
  count: number,
): Promise<SegTileWorkers | null> {
  if (!seg?.shareTiles || count < 1) return null;
  const workers = await startSegTileWorkers(
    await readSegFiles(source),
    seg.version,
    createWorker,
    count,
  );
  seg.shareTiles(workers.helpers);
  return workers;
}

/**
 * Give the running tile workers the CNNs too and hand them to the pipeline for a field's crops
 * (src/core/pipeline/deep-prefetch.ts). Nothing happens without CNNs or workers.
 */
export async function shareDeepFeatures(
  models: PipelineModels,
  source: ModelSource,
  workers: SegTileWorkers | null,
): Promise<number> {
  const names = (models.extractors.deepGroups ?? []) as DeepNetName[];
  const version = models.versions.cnn;
  if (!workers || !workers.helpers.length || !models.extractors.deep || !names.length || !version)
    return 0;
  const helpers = await workers.loadDeep(await readDeepFiles(source, names), names, version);
  models.extractors.deepHelpers = helpers;
  return helpers.length;
}
