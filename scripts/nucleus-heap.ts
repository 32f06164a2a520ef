/**
 * Heap bytes per analysed nucleus (issue 14's memory projection for whole slides: a slide's
 * nuclei are the only part of its memory that grows with it). Analyses the seeded synthetic bench
 * field and holds 50 structured clones of its nuclei (as the page and the worker hold them):
 *
 *   node --expose-gc --import tsx scripts/nucleus-heap.ts
 */
import { serialize } from 'node:v8';
import { syntheticBenchField } from '../src/cli/bench-inputs';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze } from '../src/core/analyze';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { nodeModelSource } from '../src/models/node-source';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (see the header)');
await initNodeTf();
const models = await loadPipelineModels(nodeModelSource(), { classifier: true });
const r = await analyze(syntheticBenchField(), models, { mode: 'field', scale: 1 });
models.dispose();
const n = r.nuclei.length;
gc();
const before = process.memoryUsage().heapUsed;
const kept = Array.from({ length: 50 }, () => structuredClone(r.nuclei));
gc();
const after = process.memoryUsage().heapUsed;
console.log(
  `${n} nuclei; heap ≈ ${((after - before) / (kept.length * n)).toFixed(0)} B per nucleus; ` +
    `serialized ${(serialize(r.nuclei).length / n).toFixed(0)} B; ` +
    `mean contour ${(r.nuclei.reduce((s, x) => s + x.contour.length, 0) / n).toFixed(0)} points`,
);
