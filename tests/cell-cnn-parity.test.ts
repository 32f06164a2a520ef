import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_CNN_CONFIG } from '../src/core/cell/herlev-classifier';
import {
  DEEP_NETS,
  deepFeaturesBatch,
  loadDeepExtractors,
  type DeepExtractors,
} from '../src/core/features/deep';
import type { RgbaImage } from '../src/core/image/types';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';

/**
 * Parity of the single-cell (Herlev) CNNs in public/models/cell with PyTorch: fixtures written by
 * training/cls/cnn/export.py --fixtures tests/fixtures/cell-cnn from the shipped files.
 */
const FIX = join(REPO_ROOT, 'tests', 'fixtures', 'cell-cnn');
const shipped = existsSync(join(REPO_ROOT, 'public', 'models', CELL_CNN_CONFIG));

describe.skipIf(!shipped || !existsSync(join(FIX, 'fixtures.json')))(
  'single-cell CNNs (tfjs) match PyTorch',
  () => {
    const fixtures = shipped
      ? (JSON.parse(readFileSync(join(FIX, 'fixtures.json'), 'utf8')) as {
          golden: string;
          shape: [number, number, number, number];
          nets: Record<string, { features: string; dim: number }>;
        })
      : null;
    let ex: DeepExtractors;
    beforeAll(async () => {
      await tf.setBackend('cpu');
      ex = await loadDeepExtractors(nodeModelSource(), DEEP_NETS, undefined, CELL_CNN_CONFIG);
    }, 120_000);
    afterAll(() => ex?.dispose());

    for (const name of DEEP_NETS) {
      it(`${name}: features within 1e-4 of PyTorch`, async () => {
        const f = fixtures!;
        const [n, h, w] = f.shape;
        const raw = new Uint8Array(readFileSync(join(FIX, f.golden)));
        const crops: RgbaImage[] = Array.from({ length: n }, (_, i) => ({
          width: w,
          height: h,
          data: new Uint8ClampedArray(raw.subarray(i * w * h * 4, (i + 1) * w * h * 4)),
        }));
        const b = readFileSync(join(FIX, f.nets[name].features));
        const ref = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
        const dim = f.nets[name].dim;
        const out = await deepFeaturesBatch(crops, ex, [name]);
        let maxRef = 0;
        for (const v of ref) maxRef = Math.max(maxRef, Math.abs(v));
        let maxErr = 0;
        crops.forEach((_, i) => {
          for (let k = 0; k < dim; k++)
            maxErr = Math.max(maxErr, Math.abs(out[i][name]![k] - ref[i * dim + k]));
        });
        expect(maxRef).toBeGreaterThan(0);
        expect(maxErr).toBeLessThanOrEqual(1e-4 * Math.max(1, maxRef));
      }, 60_000);
    }
  },
);
