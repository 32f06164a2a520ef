/**
 * Why the single-cell finder takes pieces in tight Herlev-SD crops (docs/SEGMENTATION.md, *Single
 * cells are scored as users see them*): every candidate of every search side, with its IoU against
 * the mask, for the Herlev-SD cells of one part and their ×0.5 / ×2 copies, and every 3rd Herlev
 * cell of that part (no mask). Simulate finder variants on the output with
 * `/usr/bin/python3 scripts/finder-tight-crops.py OUT.json`. Train only.
 *   for F in 0.5 2; do npx tsx scripts/resize-seg-set.ts --factor $F --out COPIES/train/x$F --set herlev-sd --part train; done
 *   npx tsx scripts/finder-tight-crops.ts train OUT.json COPIES herlev
 */
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { initNodeTf } from '../src/cli/tf-node';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { herlevCells } from '../src/data/cell-manifest';
import { herlevSamples } from '../src/data/datasets';
import { readImage, readMask } from '../src/data/read-image';
import { loadSplit } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';
import { finderCandidates } from './finder-candidates';
const part = process.argv[2] as 'train' | 'val';
const out = process.argv[3];
const copies = process.argv[4];
const withHerlev = process.argv[5] === 'herlev';
if (!part || !out || !copies) throw new Error('usage: PART OUT.json COPIES_DIR [herlev]');
await initNodeTf();
const models = await loadPipelineModels(nodeModelSource(), { classifier: false });
if (!models.seg) throw new Error('the segmentation model is not loadable');
const seg = models.seg;
const res: unknown[] = [];
async function run(kind: string, id: string, path: string, maskPath?: string): Promise<void> {
  const img = await readImage(path);
  const mask = maskPath ? await readMask(maskPath) : null;
  const cands = await finderCandidates(seg, img, mask ? mask.data : null, 'labels');
  res.push({ kind, id, w: img.width, h: img.height, cands });
}
const sd = loadSplit('herlev-sd');
const groups = new Set(sd.parts[part]);
for (const s of herlevSamples().filter((s) => groups.has(s.group))) {
  await run('sd1', s.id, s.imagePath, s.maskPath);
  for (const f of ['0.5', '2']) {
    const d = join(copies, part, `x${f}`, 'herlev-sd');
    const ip = join(d, 'images', `${s.id}.png`);
    const ip2 = existsSync(ip) ? ip : join(d, 'images', `${s.id}.jpg`);
    await run(`sd${f}`, s.id, ip2, join(d, 'masks', `${s.id}.png`));
  }
}
if (withHerlev) {
  const hs = loadSplit('herlev');
  const hg = new Set(hs.parts[part]);
  const cells = herlevCells().filter((c) => hg.has(c.group));
  for (let k = 0; k < cells.length; k += 3)
    await run(`h:${cells[k].herlevClass}`, cells[k].id, cells[k].imagePath);
}
writeFileSync(out, JSON.stringify(res));
console.log('wrote', res.length);
models.dispose();
