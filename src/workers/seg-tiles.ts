import { wrap, transfer, type Remote } from 'comlink';
import type { SegAdapter } from '../core/pipeline/models';
import type { SegManifest, SegModelFiles } from '../core/segment/model';
import type { TileHelper } from '../core/segment/tile-helpers';
import type { WorkerHandle } from './descriptor-pool';
import type { SegTileApi } from './seg-tile-api';

export interface SegTileWorkers {
  helpers: TileHelper[];
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
  const started = await Promise.all(
    Array.from({ length: count }, async (): Promise<TileHelper | null> => {
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
        predict: (tile, ph, pw) =>
          guarded(api.predict(transfer(tile, [tile.buffer]), ph, pw) as Promise<Float32Array>),
      };
    }),
  );
  return {
    helpers: started.filter((h): h is TileHelper => h !== null),
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
