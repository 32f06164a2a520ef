/**
 * Automatic scale on real images (issue 12): for the images of one split part, the coarse pass's
 * probes and estimate at native size and resized by each --resize factor. Also measures the
 * typical nucleus size the shipped model finds at the default working scale (TYPICAL_DIAMETER_PX).
 *   npx tsx scripts/probe-scale.ts --set herlev-sd|synthetic|edf|herlev|cric --part train|val|test
 *        [--resize 0.5,1,2] [--limit N] [--verbose]
 */
import { parseArgs } from 'node:util';
import { initNodeTf } from '../src/cli/tf-node';
import { nodeModelSource } from '../src/models/node-source';
import { loadSegModel } from '../src/core/segment';
import { estimateScale, probeScale } from '../src/core/segment/auto-scale';
import { resizeRgba } from '../src/core/image/ops';
import { estimateOptions } from '../src/core/pipeline/scale-choice';
import { cricFieldPath, herlevSamples, isbiSamples } from '../src/data/datasets';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf, type Part } from '../src/data/splits';
import { dataDir } from '../src/data/paths';
import { parseCsv } from '../src/data/csv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const { values } = parseArgs({
  options: {
    set: { type: 'string' },
    part: { type: 'string', default: 'train' },
    resize: { type: 'string', default: '0.5,1,2' },
    limit: { type: 'string' },
    verbose: { type: 'boolean' },
  },
});
const set = values.set as string;
const part = values.part as Part;
let items: { id: string; path: string; defaultScale: number }[];
if (set === 'herlev') {
  // Herlev single cells (no masks): the mode-from-content check; no split, every Nth.
  const dir = join(dataDir(), 'herlev');
  items = parseCsv(readFileSync(join(dir, 'manifest.csv'), 'utf8')).map((r) => ({
    id: r.id,
    path: join(dir, 'images', `${r.id}.jpg`),
    defaultScale: 0.5,
  }));
  items = items.filter((_, i) => i % 20 === 0);
} else if (set === 'cric') {
  // CRIC fields (the working grid by definition: every estimate should come out ×1).
  const units = unitsOf(loadSplit('cric'), part);
  items = [...units].sort().map((f) => ({ id: f, path: cricFieldPath(f), defaultScale: 1 }));
} else {
  const units = unitsOf(loadSplit(set === 'herlev-sd' ? 'herlev-sd' : 'isbi2014'), part);
  const samples = set === 'herlev-sd' ? herlevSamples() : isbiSamples(set as 'edf' | 'synthetic');
  items = samples
    .filter((s) => units.has(s.group))
    .map((s) => ({ id: s.id, path: s.imagePath, defaultScale: set === 'herlev-sd' ? 0.5 : 1 }));
}
if (values.limit) items = items.slice(0, Number(values.limit));
await initNodeTf();
const model = await loadSegModel(nodeModelSource());
const defaults: number[] = [];
const resizes = (values.resize as string).split(',').map(Number);
for (const it of items) {
  const img0 = await readImage(it.path);
  const p = await probeScale(img0, model, it.defaultScale);
  if (p.objects) defaults.push(p.medianDiameterPx);
  const parts: string[] = [
    `${it.id} ${img0.width}x${img0.height} atDefault Ø${p.medianDiameterPx.toFixed(1)} n${p.objects}`,
  ];
  for (const r of resizes) {
    const img =
      r === 1 ? img0 : resizeRgba(img0, Math.round(img0.width * r), Math.round(img0.height * r));
    // The options the app uses for the presumed mode, judged from content (no mode given;
    // src/core/pipeline/scale-choice.ts).
    const e = await estimateScale(
      img,
      model,
      estimateOptions(it.defaultScale === 1 ? 'field' : 'cell', { modeFromContent: true }),
    );
    // Relative to what the default would be at this size: 1 = the same working scale as native.
    parts.push(
      `×${r}: s=${e.scale.toFixed(3)} rel=${((e.scale * r) / it.defaultScale).toFixed(2)} cell=${e.looksLikeCell ? 1 : 0}`,
    );
    if (values.verbose)
      for (const q of e.probes)
        parts.push(
          `\n    s${q.scale} n${q.objects} Ø${q.medianDiameterPx.toFixed(1)} off${q.largestOffset.toFixed(2)} frac${q.largestFraction.toFixed(2)} dom${q.dominance.toFixed(1)} whole${q.whole ? 1 : 0}`,
        );
  }
  console.log(parts.join('  '));
}
defaults.sort((a, b) => a - b);
console.log(
  `median of per-image median Ø at default scale: ${defaults[defaults.length >> 1]?.toFixed(1)} (${defaults.length} images)`,
);
model.dispose();
