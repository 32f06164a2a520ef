import type { ModelSource } from '../../models/source';
import type { RgbaImage } from '../image/types';
import { mulberry32 } from '../util/random';
import { loadSegModel, type SegModel } from './model';
import { segment } from './segment';

/**
 * A deterministic Pap-like test image: noisy light background, pale cytoplasm and dark nuclei
 * (~24 px at working scale in fields, ~56 px in 128-px cells as in Herlev). No dataset pixels.
 */
export function syntheticSegImage(
  width: number,
  height: number,
  nuclei: number,
  radius: number,
  seed = 1,
): RgbaImage {
  return syntheticSegSample(width, height, nuclei, radius, seed).image;
}

/** syntheticSegImage with its ground truth (1 inside a nucleus), for tests that score masks. */
export function syntheticSegSample(
  width: number,
  height: number,
  nuclei: number,
  radius: number,
  seed = 1,
): { image: RgbaImage; mask: Uint8Array } {
  const rnd = mulberry32(seed);
  const mask = new Uint8Array(width * height);
  const centres = Array.from({ length: nuclei }, () => ({ x: rnd() * width, y: rnd() * height }));
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let v = 230;
      for (const c of centres) {
        const d2 = (x - c.x) ** 2 + (y - c.y) ** 2;
        if (d2 < 9 * radius * radius) v = Math.min(v, 195);
        if (d2 < radius * radius) {
          v = 80;
          mask[y * width + x] = 1;
        }
      }
      const n = (rnd() - 0.5) * 16;
      const o = 4 * (y * width + x);
      data[o] = v + n - 10;
      data[o + 1] = v + n - 20;
      data[o + 2] = v + n;
      data[o + 3] = 255;
    }
  return { image: { width, height, data }, mask };
}

/**
 * `paplens bench` stages (structurally BenchStage of src/cli): segment_cell = one 128×128 cell
 * image in cell mode; segment_field = the bench field (a dense real CRIC field when ../shared is
 * there, else a dense synthetic one; src/cli/bench-inputs.ts) in field mode, tiled.
 * Both include scaling, grey conversion, the network and all post-processing.
 */
export function segBenchStages(
  source: () => ModelSource,
  field: () => Promise<RgbaImage>,
): {
  name: string;
  setup(): Promise<() => Promise<void>>;
  teardown(): void;
}[] {
  const make = (name: string, img: () => Promise<RgbaImage>, mode: 'cell' | 'field') => {
    let model: SegModel | null = null;
    return {
      name,
      async setup() {
        model = await loadSegModel(source());
        const m = model;
        const image = await img();
        return async () => {
          await segment(image, m, { mode });
        };
      },
      teardown() {
        model?.dispose();
        model = null;
      },
    };
  };
  return [
    make('segment_cell', () => Promise.resolve(syntheticSegImage(128, 128, 1, 28)), 'cell'),
    make('segment_field', field, 'field'),
  ];
}
