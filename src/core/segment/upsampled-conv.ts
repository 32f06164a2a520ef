import * as tf from '@tensorflow/tfjs';

/**
 * A 3×3 convolution of a nearest-×2-upsampled map, computed at the low resolution so the
 * upsampled map is never built (the SE-UNet decoder's first conv; src/core/segment/model.ts).
 *
 * At output (2i+a, 2j+b) a 3×3 kernel over the upsampled map sees only two distinct input rows
 * and two input columns: phase 0 reads rows i−1, i with kernel rows (k0, k1+k2), phase 1 reads
 * rows i, i+1 with (k0+k1, k2); columns alike. Each row phase is one 2×3 conv at the low
 * resolution whose 2C outputs are the two column phases in (b, c) order, so reshaping
 * [H, W, 2C] → [H, 2W, C] interleaves the columns for free and one concat interleaves the rows:
 * 24 instead of 36 multiply-adds per output, and no resize or depth-to-space (both run in
 * JavaScript or as a full copy in tfjs-wasm). Same sums in another order.
 */
export interface UpsampledConv {
  /** Row phase 0 / 1 kernels, [2, 3, Cin, 2·Cout] (HWIO). */
  rows: [tf.Tensor4D, tf.Tensor4D];
  /** The bias twice (one per column phase), [2·Cout]. */
  bias: tf.Tensor1D;
}

/**
 * Phase kernels of a 3×3 HWIO kernel [3, 3, Cin, Cout] and its bias [Cout]. Built with tensor ops
 * (no read-back), so it works where the weights live on a GPU; the inputs are not disposed.
 */
export function foldUpsampledConv(kernel: tf.Tensor4D, bias: tf.Tensor1D): UpsampledConv {
  const [kh, kw, , cout] = kernel.shape;
  if (kh !== 3 || kw !== 3 || bias.shape[0] !== cout)
    throw new Error('foldUpsampledConv needs a 3×3 kernel and one bias per output channel.');
  return tf.tidy(() => {
    const tap = (t: tf.Tensor4D, axis: number, i: number): tf.Tensor4D => {
      const begin = [0, 0, 0, 0];
      const size = [-1, -1, -1, -1];
      begin[axis] = i;
      size[axis] = 1;
      return tf.slice(t, begin, size);
    };
    // Phase 0 sums taps (0 | 1+2), phase 1 (0+1 | 2); along columns in a 3-wide window with a
    // zero tap (phase 0 reads columns j−1, j; phase 1 reads j, j+1).
    const taps = (t: tf.Tensor4D, axis: number): tf.Tensor4D[][] => {
      const [s0, s1, s2] = [0, 1, 2].map((i) => tap(t, axis, i));
      return [
        [s0, tf.add(s1, s2)],
        [tf.add(s0, s1), s2],
      ];
    };
    const rows = taps(kernel, 0).map((r) => {
      const rk = tf.concat(r, 0) as tf.Tensor4D;
      const [c0, c1] = taps(rk, 1);
      const zero = tf.zerosLike(c0[0]);
      const b0 = tf.concat([c0[0], c0[1], zero], 1);
      const b1 = tf.concat([zero, c1[0], c1[1]], 1);
      return tf.concat([b0, b1], 3) as tf.Tensor4D;
    }) as [tf.Tensor4D, tf.Tensor4D];
    return { rows, bias: tf.concat([bias, bias]) as tf.Tensor1D };
  });
}

/** conv3×3(nearest×2(x), pad 1) + bias, [N, H, W, Cin] → [N, 2H, 2W, Cout]. */
export function upsampledConv(x: tf.Tensor4D, f: UpsampledConv): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const c = f.rows[0].shape[3] / 2;
  return tf.tidy(() => {
    const rows = f.rows.map((filter, a) => {
      const pad: tf.backend_util.ExplicitPadding = [
        [0, 0],
        a === 0 ? [1, 0] : [0, 1],
        [1, 1],
        [0, 0],
      ];
      const y = tf.fused.conv2d({ x, filter, strides: 1, pad, bias: f.bias });
      return tf.reshape(y, [n, h, 1, 2 * w, c]);
    });
    return tf.reshape(tf.concat(rows, 2), [n, 2 * h, 2 * w, c]);
  });
}
