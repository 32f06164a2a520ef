import type { CellFeatures, FeatureGroupName } from '../core/classify/groups';
import {
  deepFeatures,
  loadDeepExtractors,
  DEEP_CONFIG_PATH,
  DEEP_NETS,
  type DeepExtractors,
  type DeepModelsConfig,
  type DeepNetName,
} from '../core/features/deep/index';
import type { RgbaImage } from '../core/image/types';
import { loadSegModel, predictTile, type SegManifest, type SegModel } from '../core/segment/model';
import { memoryModelSource } from '../models/memory-source';

/**
 * A second copy of the segmentation network in a worker, for the tiles of large inputs
 * (src/core/segment/tile-helpers.ts), and optionally of the CNN feature extractors, for a field's
 * crops (src/core/pipeline/deep-prefetch.ts): the worker idles between a field's network passes
 * otherwise. Built from the bytes the analysis thread already verified.
 */
export interface SegTileApi {
  /** Build the network; resolves to its version, which must equal the analysis thread's. */
  load(manifest: SegManifest, weights: Uint8Array): Promise<string>;
  predict(tile: Float32Array, ph: number, pw: number): Promise<Float32Array>;
  /** Build the CNNs from their files by path (readDeepFiles); resolves to their version. */
  loadDeep(files: Record<string, Uint8Array>, names: DeepNetName[]): Promise<string>;
  /** Penultimate-layer features of one crop (as the analysis thread's `deepFeatures`). */
  deepFeatures(crop: RgbaImage, wanted: FeatureGroupName[]): Promise<CellFeatures>;
  dispose(): void;
}

/** SEGMENT_DEFAULTS.tileSize: the shape every tile of a field has. */
const WARM_SIDE = 512;

/** `initTf` starts this worker's tfjs backend (WASM in Node and in the browser). */
export function createSegTileApi(initTf: () => Promise<unknown>): SegTileApi {
  let model: SegModel | null = null;
  let deep: DeepExtractors | null = null;
  const predict = (tile: Float32Array, ph: number, pw: number): Promise<Float32Array> => {
    if (!model) return Promise.reject(new Error('the tile worker has no model loaded'));
    return predictTile(model, tile, ph, pw);
  };
  return {
    async load(manifest, weights) {
      await initTf();
      model?.dispose();
      model = await loadSegModel(
        memoryModelSource({
          'seg/model.json': new TextEncoder().encode(JSON.stringify(manifest)),
          [`seg/${manifest.weights.path.split('/').pop()}`]: weights,
        }),
      );
      // Warm the kernels for the field tile shape now, not on the user's first image.
      await predict(new Float32Array(WARM_SIDE * WARM_SIDE), WARM_SIDE, WARM_SIDE);
      return model.version;
    },
    predict,
    async loadDeep(files, names) {
      await initTf();
      deep?.dispose();
      deep = null;
      const source = memoryModelSource(files);
      const ex = await loadDeepExtractors(source, names);
      deep = ex;
      // Warm the kernels for the shipped crop shape now, not on the user's first field.
      const side = (await source.readJson<DeepModelsConfig>(DEEP_CONFIG_PATH)).cropSize;
      await deepFeatures(
        { width: side, height: side, data: new Uint8ClampedArray(side * side * 4) },
        ex,
      );
      return ex.version;
    },
    deepFeatures(crop, wanted) {
      if (!deep) return Promise.reject(new Error('the worker has no CNNs loaded'));
      const d = deep;
      return deepFeatures(
        crop,
        d,
        DEEP_NETS.filter((n) => wanted.includes(n) && d.names.includes(n)),
      );
    },
    dispose() {
      model?.dispose();
      model = null;
      deep?.dispose();
      deep = null;
    },
  };
}
