/**
 * Where the SE-UNet's time goes, per tfjs kernel (issue 13): the shipped network on one input of
 * the sizes the app feeds it (128² cell, 512² field tile), timed warm, then one run under
 * tf.profile summed by kernel name (kernel times as the backend reports them).
 *
 *   npx tsx scripts/seg-op-profile.ts [--side 512] [--runs 5] [--shapes]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initNodeTf } from '../src/cli/tf-node';
import { loadSegModel } from '../src/core/segment/model';
import { mulberry32 } from '../src/core/util/random';
import { nodeModelSource } from '../src/models/node-source';

const { values } = parseArgs({
  options: {
    side: { type: 'string', default: '512' },
    runs: { type: 'string', default: '5' },
    shapes: { type: 'boolean', default: false },
  },
});
const side = Number(values.side);
const runs = Number(values.runs);
const backend = await initNodeTf();
const model = await loadSegModel(nodeModelSource());
const rnd = mulberry32(side);
const x = tf.tensor4d(
  Float32Array.from({ length: side * side }, () => rnd()),
  [1, side, side, 1],
);
const once = async (): Promise<void> => {
  const y = model.predict(x);
  await y.data();
  y.dispose();
};
for (let i = 0; i < 3; i++) await once();
const t0 = performance.now();
for (let i = 0; i < runs; i++) await once();
console.log(
  `${side}×${side}, backend ${backend}: predict ${((performance.now() - t0) / runs).toFixed(1)} ms (mean of ${runs} warm runs)`,
);
const prof = await tf.profile(once);
// tf.profile lists a fused op both as the op and as its kernel; count kernels (capitalised) only.
const kernels = prof.kernels.filter((k) => /^[A-Z_]/.test(k.name));
const byName = new Map<string, { ms: number; calls: number }>();
for (const k of kernels) {
  const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
  e.ms += k.kernelTimeMs as number;
  e.calls++;
  byName.set(k.name, e);
}
const total = [...byName.values()].reduce((s, e) => s + e.ms, 0);
console.log(`kernel time in one profiled run: ${total.toFixed(1)} ms`);
for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms))
  console.log(`${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms  ${e.calls} calls`);
if (values.shapes)
  for (const k of kernels)
    console.log(
      `${k.name} ${(k.kernelTimeMs as number).toFixed(1)} ms ${JSON.stringify(k.inputShapes)} → ${JSON.stringify(k.outputShapes)}`,
    );
x.dispose();
model.dispose();
