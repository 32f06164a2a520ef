import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { nodeModelSource } from '../src/models/node-source';
import { loadSegModel } from '../src/core/segment/model';
import { REPO_ROOT } from '../src/data/paths';

// Golden pair written by training/seg/export.py from the PyTorch model (synthetic input, no
// dataset pixels); needs only the shipped weights in public/models/seg, not ../shared.
const FIX = join(REPO_ROOT, 'tests', 'fixtures', 'seg');

function readF32(name: string): Float32Array {
  const b = readFileSync(join(FIX, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('segmentation model parity with PyTorch', () => {
  const meta = JSON.parse(readFileSync(join(FIX, 'golden.json'), 'utf8')) as {
    height: number;
    width: number;
    weightsSha256: string;
  };
  const input = readF32('golden-input.f32');
  const expected = readF32('golden-output.f32');

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`tfjs (${backend}) output matches the PyTorch golden output within 1e-4`, async () => {
      await initNodeTf();
      if (backend === 'cpu') await tf.setBackend('cpu');
      else expect(await tf.setBackend('wasm')).toBe(true);
      const model = await loadSegModel(nodeModelSource());
      expect(model.manifest.weights.sha256).toBe(meta.weightsSha256);
      const before = tf.memory().numTensors;
      const x = tf.tensor4d(input, [1, meta.height, meta.width, 1]);
      const y = model.predict(x);
      const out = await y.data();
      x.dispose();
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(out.length).toBe(expected.length);
      let maxErr = 0;
      for (let i = 0; i < out.length; i++)
        maxErr = Math.max(maxErr, Math.abs(out[i] - expected[i]));
      expect(maxErr).toBeLessThan(1e-4);
      // The golden output is not trivial: it has both nucleus and background pixels.
      expect(Math.max(...expected)).toBeGreaterThan(0.9);
      expect(Math.min(...expected)).toBeLessThan(0.1);
      model.dispose();
    });
  }
});
