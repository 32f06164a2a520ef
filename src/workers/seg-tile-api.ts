import { loadSegModel, predictTile, type SegManifest, type SegModel } from '../core/segment/model';

/**
 * A second copy of the segmentation network in a worker, for the tiles of large inputs
 * (src/core/segment/tile-helpers.ts). Built from the bytes the analysis thread already verified.
 */
export interface SegTileApi {
  /** Build the network; resolves to its version, which must equal the analysis thread's. */
  load(manifest: SegManifest, weights: Uint8Array): Promise<string>;
  predict(tile: Float32Array, ph: number, pw: number): Promise<Float32Array>;
  dispose(): void;
}

/** SEGMENT_DEFAULTS.tileSize: the shape every tile of a field has. */
const WARM_SIDE = 512;

/** `initTf` starts this worker's tfjs backend (WASM in Node and in the browser). */
export function createSegTileApi(initTf: () => Promise<unknown>): SegTileApi {
  let model: SegModel | null = null;
  const predict = (tile: Float32Array, ph: number, pw: number): Promise<Float32Array> => {
    if (!model) return Promise.reject(new Error('the tile worker has no model loaded'));
    return predictTile(model, tile, ph, pw);
  };
  return {
    async load(manifest, weights) {
      await initTf();
      model?.dispose();
      const file = `seg/${manifest.weights.path.split('/').pop()}`;
      model = await loadSegModel({
        readJson: <T>() => Promise.resolve(manifest as T),
        readBytes: (path: string) =>
          path === file
            ? Promise.resolve(weights)
            : Promise.reject(new Error(`no file ${path} was given to the tile worker`)),
      });
      // Warm the kernels for the field tile shape now, not on the user's first image.
      await predict(new Float32Array(WARM_SIDE * WARM_SIDE), WARM_SIDE, WARM_SIDE);
      return model.version;
    },
    predict,
    dispose() {
      model?.dispose();
      model = null;
    },
  };
}
