// Grid search of the post-processing parameters on the VALIDATION splits only (Herlev-SD val,
// ISBI synthetic + EDF val), with the shipped tfjs model. Run:
//   npx tsx training/seg/tune-postprocess.ts [--model DIR]
import { initNodeTf } from '../../src/cli/tf-node';
import { nodeModelSource } from '../../src/models/node-source';
import { loadSegModel } from '../../src/core/segment/model';
import { instancesFromProbability, probabilityMap } from '../../src/core/segment/segment';
import { herlevSamples, isbiSamples } from '../../src/data/datasets';
import { readImage, readMask } from '../../src/data/read-image';
import { loadSplit, unitsOf } from '../../src/data/splits';
import {
  addCounts,
  labelComponents,
  matchObjects,
  pixelCounts,
  pixelScores,
} from '../../src/core/metrics/segmentation';

await initNodeTf();
const model = await loadSegModel(nodeModelSource());
const hv = unitsOf(loadSplit('herlev-sd'), 'val');
const iv = unitsOf(loadSplit('isbi2014'), 'val');
const sets = {
  herlev: herlevSamples().filter((s) => hv.has(s.group)),
  synthetic: isbiSamples('synthetic').filter((s) => iv.has(s.group)),
  edf: isbiSamples('edf').filter((s) => iv.has(s.group)),
};
const cache: Record<string, { img: Awaited<ReturnType<typeof readImage>>; truth: Uint8Array; tl: ReturnType<typeof labelComponents>; prob: Float32Array; scale: number }[]> = {};
for (const [name, samples] of Object.entries(sets)) {
  cache[name] = [];
  for (const s of samples) {
    const img = await readImage(s.imagePath);
    const m = await readMask(s.maskPath);
    const scale = name === 'herlev' ? 0.5 : 1;
    const prob = await probabilityMap(img, model, scale);
    cache[name].push({ img, truth: m.data as Uint8Array, tl: labelComponents(m.data, m.width, m.height), prob, scale });
  }
}
const grid = [];
for (const threshold of [0.4, 0.5, 0.6, 0.7])
  for (const minAreaPx of [30, 60, 100, 150])
    for (const splitDynamicsPx of [1, 2, 3, 5, Infinity]) grid.push({ threshold, minAreaPx, splitDynamicsPx });
const rows = [];
for (const g of grid) {
  const row: Record<string, number> = { ...g };
  for (const [name, items] of Object.entries(cache)) {
    let c = { tp: 0, fp: 0, fn: 0, tn: 0 };
    const o = { tp: 0, fp: 0, fn: 0 };
    for (const it of items) {
      const r = instancesFromProbability(it.img, it.prob, it.scale, g);
      const pred = r.labels.map((v) => (v ? 1 : 0));
      c = addCounts(c, pixelCounts(pred, it.truth));
      const m = matchObjects(r.labels, r.instances.length, it.tl.labels, it.tl.count);
      o.tp += m.tp;
      o.fp += m.fp;
      o.fn += m.fn;
    }
    const s = pixelScores(c);
    row[`${name}_zsi`] = +s.zsi.toFixed(4);
    row[`${name}_objF1`] = +((2 * o.tp) / (2 * o.tp + o.fp + o.fn)).toFixed(4);
  }
  row.score = +((row.herlev_zsi + row.synthetic_zsi + row.edf_zsi + row.edf_objF1 + row.synthetic_objF1) / 5).toFixed(4);
  rows.push(row);
}
rows.sort((a, b) => b.score - a.score);
console.table(rows.slice(0, 15));
console.table(rows.filter((r) => r.threshold === 0.5 && r.minAreaPx === 30 && r.splitDynamicsPx === 2));
