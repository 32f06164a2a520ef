/**
 * When the segmentation tile helpers work during one field (issue 13): the field is analysed as
 * `paplens bench --fields` does it (two tile workers with the CNNs, one LBP/SURF worker), once to
 * warm up and then twice, printing the stage timings and each tile's [sent, returned] times in ms
 * from the start of the analysis (two tiles are queued per helper, so a tile's interval includes
 * its wait). Gaps where no helper holds a tile are cores left idle.
 *
 *   npx tsx scripts/field-timeline.ts [FIELD]   (default: the median-cost CRIC test field)
 */
import { join } from 'node:path';
import { startDescriptors } from '../src/app/worker/descriptors';
import { shareSegTilesInNode } from '../src/cli/seg-tile-workers';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze } from '../src/core/analyze';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { dataDir } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { nodeModelSource } from '../src/models/node-source';
import { nodeDescriptorWorker } from '../src/workers/node-worker';

const file =
  process.argv[2] ?? join(dataDir(), 'cric', 'fields', 'd1139b2167d9254c2e29edb485c1bda8.jpg');
await initNodeTf();
const source = nodeModelSource();
const models = await loadPipelineModels(source, {});
const workers = await shareSegTilesInNode(models, source);
if (!workers?.helpers.length) throw new Error('no tile workers started (PAPLENS_SEG_WORKERS=0?)');
const desc = models.vocabulary
  ? await startDescriptors(models.vocabulary, { createWorker: nodeDescriptorWorker, size: 1 })
  : null;
if (desc) models.extractors.handcrafted = desc.hook;
let t0 = 0;
const events: string[] = [];
const at = (): string => (performance.now() - t0).toFixed(0);
workers.helpers.forEach((h, k) => {
  const predict = h.predict.bind(h);
  h.predict = async (tile, ph, pw) => {
    const sent = at();
    const r = await predict(tile, ph, pw);
    events.push(`  helper ${k}: ${ph}×${pw} tile ${sent}–${at()}`);
    return r;
  };
});
const img = await readImage(file);
await analyze(img, models, { mode: 'field' });
for (let round = 1; round <= 2; round++) {
  events.length = 0;
  t0 = performance.now();
  const r = await analyze(img, models, { mode: 'field' });
  console.log(
    `round ${round}: ${r.timings.map((t) => `${t.stage} ${t.ms.toFixed(0)}`).join(', ')}`,
  );
  for (const e of events) console.log(e);
}
desc?.terminate();
workers.terminate();
models.dispose();
