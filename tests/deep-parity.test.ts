import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEEP_NETS,
  deepCellExtractor,
  deepFeatures,
  deepFeaturesBatch,
  loadDeepExtractors,
  type DeepExtractors,
} from '../src/core/features/deep';
import type { RgbaImage } from '../src/core/image/types';
import type { CellExtractors } from '../src/core/pipeline/cell-features';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';

/**
 * Parity of the shipped tfjs extractors with PyTorch: tests/fixtures/cnn holds a synthetic golden
 * input and the features that training/cls/cnn/export.py computed in PyTorch from the *shipped*
 * files (weights dequantised exactly as tfjs does), so only the runtime is under test here.
 * Tolerance 1e-4 × max|reference| (float32 arithmetic, different summation order).
 */
const FIX = join(REPO_ROOT, 'tests', 'fixtures', 'cnn');
interface Fixtures {
  golden: string;
  shape: [number, number, number, number];
  nets: Record<string, { features: string; dim: number; quantization: string }>;
}
const fixtures = JSON.parse(readFileSync(join(FIX, 'fixtures.json'), 'utf8')) as Fixtures;

function goldenCrops(): RgbaImage[] {
  const [n, h, w] = fixtures.shape;
  const raw = new Uint8Array(readFileSync(join(FIX, fixtures.golden)));
  return Array.from({ length: n }, (_, i) => ({
    width: w,
    height: h,
    data: new Uint8ClampedArray(raw.subarray(i * w * h * 4, (i + 1) * w * h * 4)),
  }));
}

function reference(name: string): Float32Array {
  const b = readFileSync(join(FIX, fixtures.nets[name].features));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

describe('deep feature extractors (tfjs) match PyTorch', () => {
  let ex: DeepExtractors;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    ex = await loadDeepExtractors(nodeModelSource());
  }, 120_000);
  afterAll(() => ex?.dispose());

  it('loads all three networks', () => {
    expect(ex.names).toEqual([...DEEP_NETS]);
  });

  for (const name of DEEP_NETS) {
    it(`${name}: penultimate features within 1e-4 of PyTorch`, async () => {
      const crops = goldenCrops();
      const ref = reference(name);
      const dim = fixtures.nets[name].dim;
      const out = await deepFeaturesBatch(crops, ex, [name]);
      let maxRef = 0;
      for (const v of ref) maxRef = Math.max(maxRef, Math.abs(v));
      expect(maxRef).toBeGreaterThan(0);
      let maxErr = 0;
      crops.forEach((_, i) => {
        const f = out[i][name]!;
        expect(f.length).toBe(dim);
        for (let k = 0; k < dim; k++) maxErr = Math.max(maxErr, Math.abs(f[k] - ref[i * dim + k]));
      });
      expect(maxErr).toBeLessThanOrEqual(1e-4 * Math.max(1, maxRef));
    }, 60_000);
  }

  it('single-crop and batch paths agree and leak no tensors', async () => {
    const crops = goldenCrops();
    const before = tf.memory().numTensors;
    const one = await deepFeatures(crops[1], ex);
    const batch = await deepFeaturesBatch(crops, ex, undefined, 1);
    expect(tf.memory().numTensors).toBe(before);
    for (const name of DEEP_NETS) {
      const a = one[name]!;
      const b = batch[1][name]!;
      let d = 0;
      for (let k = 0; k < a.length; k++) d = Math.max(d, Math.abs(a[k] - b[k]));
      expect(d).toBeLessThan(1e-5);
    }
  }, 60_000);

  it('plugs into the pipeline extractor slot and returns only the wanted groups', async () => {
    const cell: CellExtractors = deepCellExtractor(ex);
    expect(cell.deepGroups).toEqual([...DEEP_NETS]);
    const f = await cell.deep!(goldenCrops()[0], ['squeezenet', 'lbp']);
    expect(Object.keys(f)).toEqual(['squeezenet']);
    expect(f.squeezenet!.length).toBe(fixtures.nets.squeezenet.dim);
  });

  it('rejects a malformed crop with a clear message', async () => {
    const bad: RgbaImage = { width: 96, height: 96, data: new Uint8ClampedArray(10) };
    await expect(deepFeatures(bad, ex)).rejects.toThrow(/malformed/);
    const before = tf.memory().numTensors;
    await expect(
      deepFeaturesBatch([goldenCrops()[0], { ...goldenCrops()[0], width: 48, height: 192 }], ex),
    ).rejects.toThrow(/same size/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
