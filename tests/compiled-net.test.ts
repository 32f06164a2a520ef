import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { CELL_CNN_CONFIG } from '../src/core/cell/herlev-classifier';
import { DEEP_NETS, loadDeepExtractors, type DeepExtractors } from '../src/core/features/deep';
import { compileNet } from '../src/core/features/deep/compiled-net';
import { nodeModelSource } from '../src/models/node-source';

/** Largest |a − b| and largest |a|, then disposes both. */
function compare(a: tf.Tensor, b: tf.Tensor): { diff: number; max: number } {
  expect(b.shape).toEqual(a.shape);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
  const max = tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
  a.dispose();
  b.dispose();
  return { diff, max };
}

describe('compiled CNNs (fused ops instead of model.predict)', () => {
  // The field classifier's nets (cnn/) and the single-cell classifier's (cell/: Keras-style
  // MobileNetV2 with asymmetric padding after activations).
  const sets: { label: string; ex?: DeepExtractors; config?: string }[] = [
    { label: 'cnn' },
    { label: 'cell', config: CELL_CNN_CONFIG },
  ];
  beforeAll(async () => {
    await initNodeTf();
    for (const set of sets)
      set.ex = await loadDeepExtractors(nodeModelSource(), DEEP_NETS, undefined, set.config);
  }, 120_000);
  afterAll(() => sets.forEach((set) => set.ex?.dispose()));

  for (const set of sets)
    for (const name of DEEP_NETS)
      it(`${set.label}/${name}: compiles, gives model.predict's output and leaks nothing`, () => {
        const net = set.ex!.nets[name]!;
        const compiled = compileNet(net.model);
        expect(compiled).not.toBeNull();
        const size = net.config.inputSize;
        const x = tf.randomUniform([3, size, size, 3], -2, 2, 'float32', 7) as tf.Tensor4D;
        const before = tf.memory().numTensors;
        const { diff, max } = compare(net.model.predict(x) as tf.Tensor, compiled!.run(x));
        expect(tf.memory().numTensors).toBe(before);
        expect(max).toBeGreaterThan(0);
        expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, max));
        // The extractor runs the compiled graph, not predict.
        expect(compare(net.run(x), compiled!.run(x)).diff).toBe(0);
        x.dispose();
      });

  it('keeps layers it cannot fuse as their own ops (asymmetric padding, shared activations)', () => {
    const input = tf.input({ shape: [20, 20, 3] });
    const pad = tf.layers
      .zeroPadding2d({
        padding: [
          [0, 1],
          [0, 1],
        ],
      })
      .apply(input);
    const conv = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid' })
      .apply(pad) as tf.SymbolicTensor;
    // The conv's output feeds two layers: its activation cannot be fused.
    const act = tf.layers.reLU({ maxValue: 6 }).apply(conv) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([act, conv]) as tf.SymbolicTensor;
    const leaky = tf.layers.leakyReLU({ alpha: 0.1 }).apply(sum) as tf.SymbolicTensor;
    // Asymmetric padding after a fused activation (Keras MobileNetV2's stride-2 blocks).
    const conv2 = tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(leaky);
    const relu = tf.layers.reLU({ maxValue: 6 }).apply(conv2);
    const pad2 = tf.layers
      .zeroPadding2d({
        padding: [
          [0, 1],
          [0, 1],
        ],
      })
      .apply(relu);
    const dw = tf.layers
      .depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: true })
      .apply(pad2) as tf.SymbolicTensor;
    const pool = tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(dw);
    const out = tf.layers.globalAveragePooling2d({}).apply(pool) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const compiled = compileNet(model);
    expect(compiled).not.toBeNull();
    const x = tf.randomUniform([2, 20, 20, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const { diff, max } = compare(model.predict(x) as tf.Tensor, compiled!.run(x));
    expect(max).toBeGreaterThan(0);
    expect(diff).toBeLessThan(1e-5);
    x.dispose();
    model.dispose();
  });

  it('declines a model with a layer it does not know (the caller keeps model.predict)', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(input);
    const bn = tf.layers.batchNormalization().apply(conv);
    const out = tf.layers.globalAveragePooling2d({}).apply(bn) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(compileNet(model)).toBeNull();
    model.dispose();
  });
});
