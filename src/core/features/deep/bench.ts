import type { ModelSource } from '../../../models/source';
import { CELL_CROP_SIZE } from '../../image/crop-cell';
import type { RgbaImage } from '../../image/types';
import { mulberry32 } from '../../util/random';
import { deepFeatures, deepFeaturesBatch, loadDeepExtractors, type DeepExtractors } from './index';

/** A deterministic cell-sized test crop (noise on a pink background with a dark blob). */
function syntheticCrop(seed: number, size = CELL_CROP_SIZE): RgbaImage {
  const rnd = mulberry32(seed);
  const data = new Uint8ClampedArray(size * size * 4);
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - c) ** 2 + (y - c) ** 2 < (size / 6) ** 2;
      const o = 4 * (y * size + x);
      const n = (rnd() - 0.5) * 20;
      data[o] = (inside ? 90 : 220) + n;
      data[o + 1] = (inside ? 60 : 200) + n;
      data[o + 2] = (inside ? 130 : 215) + n;
      data[o + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

/**
 * `paplens bench` stages for the CNN extractors (structurally BenchStage of src/cli): one cell
 * through all three networks, and a field's worth (50 cells) in one batched call.
 */
export function deepBenchStages(source: () => ModelSource): {
  name: string;
  setup(): Promise<() => Promise<void>>;
  teardown(): void;
}[] {
  const make = (name: string, cells: number) => {
    let ex: DeepExtractors | null = null;
    return {
      name,
      async setup() {
        ex = await loadDeepExtractors(source());
        const crops = Array.from({ length: cells }, (_, i) => syntheticCrop(i + 1));
        const loaded = ex;
        return cells === 1
          ? async () => void (await deepFeatures(crops[0], loaded))
          : async () => void (await deepFeaturesBatch(crops, loaded));
      },
      teardown() {
        ex?.dispose();
        ex = null;
      },
    };
  };
  return [make('deep_features', 1), make('deep_features_field50', 50)];
}
