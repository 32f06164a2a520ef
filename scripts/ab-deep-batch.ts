/**
 * Interleaved A/B of field analysis with the CNN crops batched vs one crop per call (issue 13),
 * on the bench field (the dense CRIC test field when ../shared is there):
 *   npx tsx scripts/ab-deep-batch.ts [--rounds 3]
 * Prints per-round totals and the deep_features stage for both, and the median ratio.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { benchField } from '../src/cli/bench-inputs';
import { quantile } from '../src/cli/field-bench';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze } from '../src/core/analyze';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { nodeModelSource } from '../src/models/node-source';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
await initNodeTf();
const models = await loadPipelineModels(nodeModelSource());
const { field, source } = await benchField();
console.log(`input: ${source}; load ${loadavg()[0].toFixed(2)}`);
const stage = (r: Awaited<ReturnType<typeof analyze>>, s: string): number =>
  r.timings.find((t) => t.stage === s)?.ms ?? NaN;
await analyze(field, models, { mode: 'field' }); // warm-up
const rows: { batched: number[]; single: number[] } = { batched: [], single: [] };
for (let i = 0; i < Number(values.rounds); i++) {
  for (const batch of i % 2 === 0 ? [true, false] : [false, true]) {
    const r = await analyze(field, models, { mode: 'field', batchDeepFeatures: batch });
    (batch ? rows.batched : rows.single).push(stage(r, 'total'));
    console.log(
      `round ${i + 1} ${batch ? 'batched' : 'single '}: total ${stage(r, 'total').toFixed(0)} ms, deep_features ${stage(r, 'deep_features').toFixed(0)} ms, ${r.nuclei.length} nuclei`,
    );
  }
}
const b = quantile(rows.batched, 0.5);
const s = quantile(rows.single, 0.5);
console.log(
  `median total: batched ${b.toFixed(0)} ms, single ${s.toFixed(0)} ms (×${(s / b).toFixed(2)}); load ${loadavg()[0].toFixed(2)}`,
);
models.dispose();
