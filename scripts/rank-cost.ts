/**
 * What ordering a slide's nuclei by abnormality costs on the main thread (issue 14): a full sort
 * of N nuclei (what the viewer and the slide gallery did on every finished tile) against the
 * one-pass queries of src/app/rank.ts. Synthetic nuclei; three rounds.
 *
 *   npx tsx scripts/rank-cost.ts [--n 52000]
 */
import { parseArgs } from 'node:util';
import { byAbnormality } from '../src/app/draw';
import { stepByAbnormality, topByAbnormality } from '../src/app/rank';
import type { Nucleus } from '../src/core/types';
import { mulberry32 } from '../src/core/util/random';

const { values } = parseArgs({ options: { n: { type: 'string', default: '52000' } } });
const r = mulberry32(1);
const all = Array.from(
  { length: Number(values.n) },
  (_, i) => ({ id: i + 1, label: 'NILM', abnormalProbability: r() }) as unknown as Nucleus,
);
for (let round = 1; round <= 3; round++) {
  let t = performance.now();
  [...all].sort(byAbnormality);
  const sort = performance.now() - t;
  t = performance.now();
  topByAbnormality(all, 12);
  const top = performance.now() - t;
  t = performance.now();
  stepByAbnormality(all, 100, 1);
  const step = performance.now() - t;
  console.log(
    `round ${round}, ${all.length} nuclei: full sort ${sort.toFixed(1)} ms; top-12 ${top.toFixed(1)} ms; next ${step.toFixed(1)} ms`,
  );
}
