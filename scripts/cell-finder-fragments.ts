/**
 * Tuning data for the single-cell finder's fragment rule (src/core/cell/primary-nucleus.ts,
 * `isFragmentOf`; docs/CELLS.md), train+val only: every candidate of every search side for the
 * Herlev-SD cells (with IoU against the mask) and every 3rd Herlev cell, with the shipped
 * segmentation model (or --models DIR). Simulate rules on the output with
 * `/usr/bin/python3 scripts/cell-finder-fragments.py NEW.json OLD.json` (OLD: the same script run
 * in a checkout with the previous network).
 *   npx tsx scripts/cell-finder-fragments.ts --out NEW.json [--models DIR]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initNodeTf } from '../src/cli/tf-node';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { herlevCells } from '../src/data/cell-manifest';
import { herlevSamples } from '../src/data/datasets';
import { readImage, readMask } from '../src/data/read-image';
import { loadSplit } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';
import { finderCandidates } from './finder-candidates';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, models: { type: 'string' } },
  });
  if (!values.out) throw new Error('--out FILE is required');
  await initNodeTf();
  const models = await loadPipelineModels(nodeModelSource(values.models), { classifier: false });
  if (!models.seg) throw new Error('the segmentation model is not loadable');
  const seg = models.seg;
  const out: { kind: string; id: string; cls: string; cands: unknown[] }[] = [];
  const run = async (kind: string, id: string, cls: string, path: string, maskPath?: string) => {
    const img = await readImage(path);
    const mask = maskPath ? await readMask(maskPath) : null;
    // The fragment rule was tuned on plausible candidates, with IoU from the filled contour.
    const cands = (await finderCandidates(seg, img, mask ? mask.data : null, 'contour')).filter(
      (c) => c.score > 0,
    );
    out.push({ kind, id, cls, cands });
  };
  const sd = loadSplit('herlev-sd');
  const sdGroups = new Set([...sd.parts.train, ...sd.parts.val]);
  for (const s of herlevSamples().filter((s) => sdGroups.has(s.group)))
    await run('sd', s.imagePath, 'sd', s.imagePath, s.maskPath);
  const hs = loadSplit('herlev');
  const hGroups = new Set([...hs.parts.train, ...hs.parts.val]);
  const cells = herlevCells().filter((c) => hGroups.has(c.group));
  for (let k = 0; k < cells.length; k += 3)
    await run('h', cells[k].id, cells[k].herlevClass, cells[k].imagePath);
  writeFileSync(values.out, JSON.stringify(out));
  console.log(`wrote ${out.length} images to ${values.out}`);
  models.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
