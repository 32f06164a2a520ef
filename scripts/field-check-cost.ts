/**
 * What the small-nuclei field check (FIELD_CHECK in src/core/segment/auto-scale.ts) costs and
 * whom it reaches: the median time of the default ×0.5 probe and of the check's ×1 probe on one
 * 224² Herlev val cell (interleaved, 12 runs each, this machine's load printed), and the bench
 * cell's nucleus certainty and specks at ×0.5 (whether the check's gate, fieldCheckGate, opens).
 *   npx tsx scripts/field-check-cost.ts
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchField } from '../src/cli/bench-inputs';
import { initNodeTf } from '../src/cli/tf-node';
import { cropCell } from '../src/core/image/crop-cell';
import { loadSegModel } from '../src/core/segment';
import {
  DEFAULT_PROBE_SIDE,
  FIELD_CHECK,
  fieldCheckGate,
  probeScale,
} from '../src/core/segment/auto-scale';
import { DEFAULT_SCALE } from '../src/core/pipeline/scale-choice';
import { dataDir } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { nodeModelSource } from '../src/models/node-source';

const backend = await initNodeTf();
const model = await loadSegModel(nodeModelSource());
const cell = await readImage(join(dataDir(), 'herlev', 'images', '157184112-157184128-001.jpg'));
const times: Record<string, number[]> = { cell: [], field: [] };
for (let i = 0; i < 13; i++)
  for (const [k, s] of [
    ['cell', DEFAULT_SCALE.cell],
    ['field', DEFAULT_SCALE.field],
  ] as const) {
    const t0 = performance.now();
    await probeScale(cell, model, s, DEFAULT_PROBE_SIDE);
    if (i > 0) times[k].push(performance.now() - t0); // the first run warms up
  }
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(
  `${cell.width}×${cell.height} Herlev cell, ${backend}: ×0.5 probe ${median(times.cell).toFixed(1)} ms, ` +
    `×1 probe (the check) ${median(times.field).toFixed(1)} ms (median of 12; load ${loadavg()[0].toFixed(2)})`,
);
const { field, cell: c } = await benchField();
const bench = await probeScale(
  cropCell(field, c.x, c.y, 128),
  model,
  DEFAULT_SCALE.cell,
  DEFAULT_PROBE_SIDE,
);
console.log(
  `bench cell: nucleus mean probability ${bench.largestMeanProb.toFixed(3)}, ${bench.specks} specks at ×0.5 ` +
    `(the check runs below ${FIELD_CHECK.gateMeanProb} or from ${FIELD_CHECK.gateSpecks} specks): ` +
    `${fieldCheckGate(bench) ? 'runs' : 'does not run'}`,
);
model.dispose();
