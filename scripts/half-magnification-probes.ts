/**
 * Half-magnification fields (issue 12, TRAIN only): does anything the coarse pass measures tell a
 * CRIC field resized ×0.5 (a 20× objective: nuclei ~15 px) from a native ISBI or CRIC field? For
 * every 2nd CRIC train field and every ISBI synthetic/EDF train image, native and halved: the
 * field estimate, its default probe, and probes at ×1 and ×2 over the same central 384² input.
 * With --band R1,R2,…: only the field estimate's factor with each lower band edge
 * (`defaultOkRatio`; docs/results/half-magnification/rule.md). Findings in docs/SEGMENTATION.md
 * (*Why the targets are missed*, CRIC).
 *   npx tsx scripts/half-magnification-probes.ts OUT.json [--band 1.1,1.3]     (~25 min)
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initNodeTf } from '../src/cli/tf-node';
import { loadSegModel } from '../src/core/segment';
import { estimateScale, probeScale } from '../src/core/segment/auto-scale';
import { estimateOptions } from '../src/core/pipeline/scale-choice';
import { resizeRgba } from '../src/core/image/ops';
import { cricFieldPath, isbiSamples } from '../src/data/datasets';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';
import type { RgbaImage } from '../src/core/image/types';
const { values, positionals } = parseArgs({
  options: { band: { type: 'string' } },
  allowPositionals: true,
});
const bands = values.band?.split(',').map(Number);
await initNodeTf();
const model = await loadSegModel(nodeModelSource());
const half = (im: RgbaImage) => resizeRgba(im, Math.round(im.width / 2), Math.round(im.height / 2));
const items: { set: string; path: string }[] = [];
const cric = [...unitsOf(loadSplit('cric'), 'train')].sort().filter((_, i) => i % 2 === 0);
for (const f of cric) items.push({ set: 'cric', path: cricFieldPath(f) });
const isbi = unitsOf(loadSplit('isbi2014'), 'train');
for (const k of ['synthetic', 'edf'] as const)
  for (const s of isbiSamples(k))
    if (isbi.has(s.id) || isbi.has(s.group)) items.push({ set: k, path: s.imagePath });
const out: unknown[] = [];
for (const it of items) {
  const native = await readImage(it.path);
  for (const [copy, im] of [
    ['x1', native],
    ['x0.5', half(native)],
  ] as const) {
    if (bands) {
      const row: Record<string, unknown> = { set: it.set, copy };
      for (const R of bands)
        row[`R${R}`] = (
          await estimateScale(im, model, { ...estimateOptions('field'), defaultOkRatio: R })
        ).scale;
      out.push(row);
      continue;
    }
    const e = await estimateScale(im, model, estimateOptions('field'));
    const p1 = await probeScale(im, model, 1, 384);
    const p2 = await probeScale(im, model, 2, 768);
    out.push({
      set: it.set,
      copy,
      w: im.width,
      h: im.height,
      est: e.scale,
      atDefault: e.atDefault ?? false,
      dflt: e.probes[0],
      p1,
      p2,
    });
  }
  writeFileSync(positionals[0] ?? 'half-magnification-probes.json', JSON.stringify(out));
}
console.log('done', out.length);
