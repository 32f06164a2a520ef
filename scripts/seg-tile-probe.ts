/**
 * Where the segmentation tile workers' time goes (issue 13; the figures quoted in
 * src/cli/seg-tile-workers.ts and docs/PERFORMANCE.md): the time to start two tile workers, the
 * network alone on one 512² tile (this thread, a worker, both at once), and the ×1 probability
 * map of a field with this thread alone, this thread + 1 worker, and 2 workers (this thread only
 * hands out tiles), alternating, 3 rounds:
 *   npx tsx scripts/seg-tile-probe.ts [FIELD]   (default: the median-cost CRIC test field)
 */
import { join } from 'node:path';
import { initNodeTf } from '../src/cli/tf-node';
import { loadSegModel, predictTile } from '../src/core/segment/model';
import { probabilityMap } from '../src/core/segment/segment';
import { setTileHelpers } from '../src/core/segment/tile-helpers';
import { dataDir } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { nodeModelSource } from '../src/models/node-source';
import { nodeSegTileWorker } from '../src/workers/node-worker';
import { readSegFiles, startSegTileWorkers } from '../src/workers/seg-tiles';

const file =
  process.argv[2] ?? join(dataDir(), 'cric', 'fields', 'd1139b2167d9254c2e29edb485c1bda8.jpg');
await initNodeTf();
const source = nodeModelSource();
const model = await loadSegModel(source);
const img = await readImage(file);
const ms = (t0: number): string => `${(performance.now() - t0).toFixed(0)} ms`;

let t0 = performance.now();
const workers = await startSegTileWorkers(
  await readSegFiles(source),
  model.version,
  nodeSegTileWorker,
  2,
);
console.log(`2 tile workers started and warmed in ${ms(t0)}`);

const tile = new Float32Array(512 * 512).fill(0.5);
for (let r = 0; r < 3; r++) {
  t0 = performance.now();
  await predictTile(model, tile.slice(), 512, 512);
  const here = ms(t0);
  t0 = performance.now();
  await workers.helpers[0].predict(tile.slice(), 512, 512);
  const there = ms(t0);
  t0 = performance.now();
  await Promise.all([
    workers.helpers[0].predict(tile.slice(), 512, 512),
    predictTile(model, tile.slice(), 512, 512),
  ]);
  console.log(`512² tile: this thread ${here}, a worker ${there}, both at once ${ms(t0)}`);
}

const setups = [
  ['this thread alone', []],
  ['this thread + 1 worker', workers.helpers.slice(0, 1)],
  ['2 workers', workers.helpers],
] as const;
for (let r = 0; r < 3; r++)
  for (const [name, helpers] of setups) {
    setTileHelpers(model, helpers);
    t0 = performance.now();
    await probabilityMap(img, model, 1);
    console.log(`x1 map of ${img.width}×${img.height}, ${name}: ${ms(t0)}`);
  }
setTileHelpers(model, []);
workers.terminate();
model.dispose();
