import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { foldUpsampledConv, upsampledConv } from '../src/core/segment/upsampled-conv';
import { mulberry32 } from '../src/core/util/random';

function randomArray(n: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  return Float32Array.from({ length: n }, () => rnd() * 2 - 1);
}

describe('3×3 conv of a nearest-×2-upsampled map, computed at the low resolution', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`equals conv(resizeNearest(x)) on ${backend} (batch 2, odd and non-square sizes)`, async () => {
      await initNodeTf();
      expect(await tf.setBackend(backend)).toBe(true);
      const [n, h, w, cin, cout] = [2, 5, 7, 3, 4];
      const kernel = tf.tensor4d(randomArray(9 * cin * cout, 1), [3, 3, cin, cout]);
      const bias = tf.tensor1d(randomArray(cout, 2));
      const x = tf.tensor4d(randomArray(n * h * w * cin, 3), [n, h, w, cin]);
      const before = tf.memory().numTensors;
      const folded = foldUpsampledConv(kernel, bias);
      const got = upsampledConv(x, folded);
      const want = tf.tidy(() =>
        tf.add(
          tf.conv2d(tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w], false, false), kernel, 1, 1),
          bias,
        ),
      );
      expect(got.shape).toEqual([n, 2 * h, 2 * w, cout]);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]);
      expect(diff).toBeLessThan(1e-5);
      // A real difference is far above rounding: a wrong phase tap moves outputs by ~1.
      expect(tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0])).toBeGreaterThan(0.5);
      tf.dispose([got, want, ...folded.rows, folded.bias]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, kernel, bias]);
    });
  }

  it('refuses a kernel that is not 3×3 with one bias per output', () => {
    const k = tf.zeros([1, 1, 1, 4]) as tf.Tensor4D;
    const b = tf.zeros([4]) as tf.Tensor1D;
    expect(() => foldUpsampledConv(k, b)).toThrow(/3×3/);
    tf.dispose([k, b]);
  });
});
