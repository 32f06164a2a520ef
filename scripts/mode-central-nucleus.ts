/**
 * Exploration (issue 12, mode from content; TRAIN images only): would a tier for "one isolated
 * nucleus at the image centre" take the superficial Herlev cells that `isCell` takes for fields
 * (their own small nucleus is central, the largest object is a neighbour's cut by the frame)
 * without taking CRIC field crops for cells? Per image of `modeFitImages('train')`: the default
 * ×0.5 probe over the whole image, the objects it counts (`probeObjects`), the one nearest the
 * centre; a grid of thresholds scored as `fit-cell-rule.ts` scores rules (Herlev cells gained −
 * CRIC crops gained, as shares), on the images `isCell` does not already take for cells.
 *   npx tsx scripts/mode-central-nucleus.ts
 * Output of 2026-12-07: docs/results/empty-default-probe/central-nucleus-train.txt.
 */
import { initNodeTf } from '../src/cli/tf-node';
import { loadSegModel } from '../src/core/segment';
import { DEFAULT_PROBE_SIDE, isCell, probeObjects } from '../src/core/segment/auto-scale';
import { DEFAULT_SCALE } from '../src/core/pipeline/scale-choice';
import { nodeModelSource } from '../src/models/node-source';
import { modeFitImages } from './mode-fit-sets';

interface Central {
  cell: boolean;
  taken: boolean;
  objects: number;
  /** Nearest-to-centre object: offset and Ø as shares of the shorter side. */
  offset: number;
  fraction: number;
  /** Distance from it to the nearest other object, share of the shorter side (9: none). */
  isolation: number;
}

await initNodeTf();
const model = await loadSegModel(nodeModelSource());
const rows: Central[] = [];
for await (const { kind, image } of modeFitImages('train')) {
  // The probe `isCell` judges, and the objects it counted (one network pass).
  const p = await probeObjects(image, model, DEFAULT_SCALE.cell, DEFAULT_PROBE_SIDE);
  const side = Math.min(p.width, p.height);
  const off = (o: { cx: number; cy: number }): number =>
    Math.hypot(o.cx - p.width / 2, o.cy - p.height / 2) / side;
  const c = p.objects.reduce<(typeof p.objects)[number] | undefined>(
    (a, b) => (!a || off(b) < off(a) ? b : a),
    undefined,
  );
  const others = p.objects.filter((o) => o !== c);
  rows.push({
    cell: kind === 'herlev cells',
    taken: isCell(p.probe),
    objects: p.objects.length,
    offset: c ? off(c) : NaN,
    fraction: c ? Math.sqrt((4 * c.area) / Math.PI) / side : 0,
    isolation: c
      ? Math.min(9, ...others.map((o) => Math.hypot(o.cx - c.cx, o.cy - c.cy) / side))
      : 0,
  });
}
const cells = rows.filter((r) => r.cell).length;
const crops = rows.length - cells;
console.log(
  `isCell today: train cells ${rows.filter((r) => r.cell && r.taken).length}/${cells}, ` +
    `crops ${rows.filter((r) => !r.cell && r.taken).length}/${crops}`,
);
const grid: { gain: number; line: string }[] = [];
for (const maxOffset of [0.05, 0.1, 0.15, 0.2])
  for (const minIsolation of [0.25, 0.3, 0.35, 0.4])
    for (const minFraction of [0.04, 0.06, 0.08])
      for (const maxObjects of [2, 3, 4, 99]) {
        const tier = (r: Central): boolean =>
          !r.taken &&
          r.objects >= 1 &&
          r.objects <= maxObjects &&
          r.offset <= maxOffset &&
          r.isolation >= minIsolation &&
          r.fraction >= minFraction;
        const gc = rows.filter((r) => r.cell && tier(r)).length;
        const gx = rows.filter((r) => !r.cell && tier(r)).length;
        grid.push({
          gain: gc / cells - gx / crops,
          line: `offset ≤ ${maxOffset}, isolation ≥ ${minIsolation}, Ø ≥ ${minFraction}, objects ≤ ${maxObjects}: +${gc} cells, +${gx} crops`,
        });
      }
grid.sort((a, b) => b.gain - a.gain);
for (const g of grid.slice(0, 10)) console.log(`gain ${g.gain.toFixed(4)}  ${g.line}`);
