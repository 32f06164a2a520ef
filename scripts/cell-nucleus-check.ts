/**
 * Tuning/diagnostic for single-cell nucleus finding (src/core/cell/primary-nucleus.ts) on the
 * train+val parts only (never test):
 *   npx tsx scripts/cell-nucleus-check.ts [--parts train,val] [--png DIR]
 * Herlev: how often a primary nucleus comes from segmentation / fallback, chosen scales.
 * Herlev-SD (masks, different framing 128 px): IoU of the primary nucleus with the mask.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encode } from 'fast-png';
import { initNodeTf } from '../src/cli/tf-node';
import { nucleusFraction } from '../src/core/cell/framing';
import { CELL_SEARCH, FULL_CELL_SEARCH, findCellNuclei } from '../src/core/cell/primary-nucleus';
import { loadPipelineModels } from '../src/core/pipeline/models';
import type { RgbaImage } from '../src/core/image/types';
import { herlevCells } from '../src/data/cell-manifest';
import { herlevSamples } from '../src/data/datasets';
import { readImage, readMask } from '../src/data/read-image';
import { loadSplit, type Part } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';
import { fillPolygon } from '../src/core/util/geometry';

function overlay(img: RgbaImage, contours: [number, number][][]): Uint8Array {
  const d = new Uint8Array(img.data);
  contours.forEach((c, k) => {
    for (const [x, y] of c) {
      const o = 4 * (y * img.width + x);
      d[o] = k === 0 ? 0 : 255;
      d[o + 1] = k === 0 ? 255 : 255;
      d[o + 2] = 0;
    }
  });
  return encode({ width: img.width, height: img.height, data: d, channels: 4 });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      parts: { type: 'string', default: 'train,val' },
      png: { type: 'string' },
      // Every n-th cell only (a quicker look; the framing ranges below use it too).
      every: { type: 'string', default: '1' },
      'skip-sd': { type: 'boolean', default: false },
      // The exhaustive reference search instead of the staged one (after a network change).
      full: { type: 'boolean', default: false },
    },
  });
  await initNodeTf();
  const models = await loadPipelineModels(nodeModelSource(), { classifier: false });
  const search = values.full ? FULL_CELL_SEARCH : CELL_SEARCH;
  const parts = values.parts.split(',') as Part[];
  const hs = loadSplit('herlev');
  const groups = new Set(parts.flatMap((p) => hs.parts[p]));
  if (values.png) mkdirSync(values.png, { recursive: true });
  const byMethod: Record<string, number> = {};
  const scales: Record<string, number> = {};
  const fractions: number[] = [];
  const offsets: number[] = [];
  const every = Math.max(1, Number(values.every));
  let n = 0;
  const t0 = Date.now();
  for (const c of herlevCells()
    .filter((c) => groups.has(c.group))
    .filter((_, i) => i % every === 0)) {
    const img = await readImage(c.imagePath);
    const r = await findCellNuclei(img, models.seg, undefined, search);
    n++;
    byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
    const p = r.nuclei[r.primary];
    if (!p) continue; // no nucleus at all (method 'empty')
    const long = Math.max(img.width, img.height);
    fractions.push(nucleusFraction(p, img));
    offsets.push(Math.hypot(p.centroid.x - img.width / 2, p.centroid.y - img.height / 2) / long);
    const k = (r.scale * Math.max(img.width, img.height)).toFixed(0);
    scales[k] = (scales[k] ?? 0) + 1;
    if (values.png)
      writeFileSync(
        join(values.png, `${c.herlevClass}-${c.id}-${r.method}.png`),
        overlay(
          img,
          r.nuclei.map((x) => x.contour),
        ),
      );
  }
  const q = (a: number[], f: number): number => {
    const s = [...a].sort((x, y) => x - y);
    return s[Math.min(s.length - 1, Math.floor(f * s.length))];
  };
  console.log(
    JSON.stringify({
      herlev: n,
      byMethod,
      workingSides: scales,
      ms: Date.now() - t0,
      // Framing of the validated cells (src/core/cell/framing.ts).
      nucleusFraction: { p1: q(fractions, 0.01), p50: q(fractions, 0.5), p99: q(fractions, 0.99) },
      centreOffset: { p50: q(offsets, 0.5), p95: q(offsets, 0.95), p99: q(offsets, 0.99) },
    }),
  );
  if (values['skip-sd']) {
    models.dispose();
    return;
  }
  const sd = loadSplit('herlev-sd');
  const sdGroups = new Set(parts.flatMap((p) => sd.parts[p]));
  const ious: number[] = [];
  for (const s of herlevSamples().filter((s) => sdGroups.has(s.group))) {
    const img = await readImage(s.imagePath);
    const mask = await readMask(s.maskPath);
    const r = await findCellNuclei(img, models.seg, undefined, search);
    const primary = r.nuclei[r.primary];
    const m = primary
      ? fillPolygon(primary.contour, img.width, img.height)
      : new Uint8Array(img.width * img.height);
    let inter = 0;
    let uni = 0;
    for (let i = 0; i < m.length; i++) {
      if (m[i] && mask.data[i]) inter++;
      if (m[i] || mask.data[i]) uni++;
    }
    ious.push(uni ? inter / uni : 0);
  }
  ious.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      herlevSd: ious.length,
      meanIoU: ious.reduce((a, b) => a + b, 0) / ious.length,
      iouAbove05: ious.filter((x) => x >= 0.5).length,
      worst: ious.slice(0, 5),
    }),
  );
  models.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
