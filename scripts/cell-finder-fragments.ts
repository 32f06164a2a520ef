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
import { nucleusScore } from '../src/core/cell/primary-nucleus';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { fillPolygon } from '../src/core/util/geometry';
import { herlevCells } from '../src/data/cell-manifest';
import { herlevSamples } from '../src/data/datasets';
import { readImage, readMask } from '../src/data/read-image';
import { loadSplit } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';

const SIDES = [64, 96, 128, 192, 256, 384, 512];

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
    const cands: unknown[] = [];
    for (const side of SIDES) {
      const scale = side / Math.max(img.width, img.height);
      const r = await seg.segment(img, 'cell', scale);
      for (const n of r.nuclei) {
        const score = nucleusScore(n, img.width, img.height, scale);
        if (score <= 0) continue;
        let iou = -1;
        if (mask) {
          const m = fillPolygon(n.contour, img.width, img.height);
          let inter = 0;
          let uni = 0;
          for (let i = 0; i < m.length; i++) {
            if (m[i] && mask.data[i]) inter++;
            if (m[i] || mask.data[i]) uni++;
          }
          iou = inter / uni;
        }
        const mm = n.morphometrics;
        cands.push({
          side,
          score,
          dark: mm.meanIntensity,
          area: mm.areaPx,
          cx: n.centroid.x,
          cy: n.centroid.y,
          contour: n.contour,
          iou,
        });
      }
    }
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
