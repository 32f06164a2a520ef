// Cross-dataset check of the shipped classifier on single-cell images it never saw in training:
// Herlev-SD *test* cells (all severe dysplastic, i.e. abnormal), analysed in cell mode exactly as
// the app does, counted as flagged when P(abnormal) ≥ the operating threshold chosen on CRIC val.
// Usage: npx tsx scripts/herlev-cross-check.ts
import { analyze } from '../src/core/analyze';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { herlevSamples } from '../src/data/datasets';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf } from '../src/data/splits';
import { initNodeTf } from '../src/cli/tf-node';
import { nodeModelSource } from '../src/models/node-source';

await initNodeTf();
const models = await loadPipelineModels(nodeModelSource());
if (!models.cls) throw new Error('no classifier shipped');
const threshold = models.cls.abnormalThreshold;
const test = unitsOf(loadSplit('herlev-sd'), 'test');
const labels: Record<string, number> = {};
let cells = 0;
let found = 0;
let flagged = 0;
for (const s of herlevSamples().filter((x) => test.has(x.group))) {
  cells++;
  const r = await analyze(await readImage(s.imagePath), models, { mode: 'cell' });
  const n = r.nuclei[0];
  if (!n || n.abnormalProbability === null) continue;
  found++;
  if (n.abnormalProbability >= threshold) flagged++;
  labels[n.label ?? '?'] = (labels[n.label ?? '?'] ?? 0) + 1;
}
console.log(
  `Herlev-SD test: ${cells} cells, ${found} with a nucleus, ${flagged} flagged abnormal (P(abnormal) ≥ ${threshold.toFixed(3)}): ${(flagged / Math.max(found, 1)).toFixed(3)}; top labels ${JSON.stringify(labels)}`,
);
models.dispose();
