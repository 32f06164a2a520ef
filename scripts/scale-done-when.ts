/**
 * Issue 12's "Done when" inputs, measured with the shipped model and no option given, as
 * `paplens analyze` chooses mode and scale (chooseModeAndScale) and segments (segment):
 *   crop  — a 256² crop of each CRIC field around its densest labelled spot;
 *   up    — each CRIC field upscaled so its longer side is 2048 px (×1.49);
 *   cells — Herlev single-cell images: how many are taken for cells.
 * For crop/up: point recall (labelled nucleus centres inside an outlined nucleus) with the
 * automatic choice and with the true factor given (`--scale`: crop ×1, up ×1/1.49).
 *   npx tsx scripts/scale-done-when.ts --case crop|up|cells --part val|test [--limit N]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initNodeTf } from '../src/cli/tf-node';
import { loadSegModel } from '../src/core/segment';
import { segment } from '../src/core/segment/segment';
import { segAdapterOf } from '../src/core/pipeline/models';
import { chooseModeAndScale } from '../src/core/pipeline/scale-choice';
import { parseCsv } from '../src/data/csv';
import { cricFieldPath, readCricCells } from '../src/data/datasets';
import { dataDir } from '../src/data/paths';
import { densestCrop, upscaled } from '../src/data/scale-inputs';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf, type Part } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';

const { values } = parseArgs({
  options: {
    case: { type: 'string', default: 'crop' },
    part: { type: 'string', default: 'val' },
    limit: { type: 'string' },
  },
});
const part = values.part as Part;
const limit = values.limit ? Number(values.limit) : Infinity;
await initNodeTf();
const model = await loadSegModel(nodeModelSource());
const seg = segAdapterOf(model);

if (values.case === 'cells') {
  const dir = join(dataDir(), 'herlev');
  const units = unitsOf(loadSplit('herlev'), part);
  let cells = 0;
  let n = 0;
  for (const r of parseCsv(readFileSync(join(dir, 'manifest.csv'), 'utf8'))) {
    if (!(units.has(r.id) || units.has(r.group)) || n >= limit) continue;
    const c = await chooseModeAndScale(
      await readImage(join(dir, 'images', `${r.id}.jpg`)),
      seg,
      {},
    );
    cells += c.mode === 'cell' ? 1 : 0;
    n++;
  }
  console.log(`Herlev ${part}: taken for a single cell ${cells}/${n}`);
} else {
  const cricCells = readCricCells();
  const fields = [...unitsOf(loadSplit('cric'), part)].sort().slice(0, limit);
  const hits = { auto: 0, truth: 0 };
  let total = 0;
  const factors: number[] = [];
  const modes: Record<string, number> = {};
  for (const f of fields) {
    const img = await readImage(cricFieldPath(f));
    const pts = cricCells.filter((c) => c.field === f);
    let im = img;
    let P: [number, number][];
    let truth = 1;
    if (values.case === 'crop') ({ image: im, points: P } = densestCrop(img, pts));
    else {
      const up = upscaled(img, pts);
      ({ image: im, points: P } = up);
      truth = 1 / up.factor;
    }
    const count = async (mode: 'cell' | 'field', scale: number): Promise<number> => {
      const r = await segment(im, model, { mode, scale });
      return P.filter(([x, y]) => {
        const xi = Math.min(im.width - 1, Math.round(x));
        const yi = Math.min(im.height - 1, Math.round(y));
        return r.labels[yi * im.width + xi] > 0;
      }).length;
    };
    const c = await chooseModeAndScale(im, seg, {});
    factors.push(c.scale);
    modes[c.mode] = (modes[c.mode] ?? 0) + 1;
    hits.auto += await count(c.mode, c.scale);
    hits.truth += await count('field', truth);
    total += P.length;
  }
  factors.sort((a, b) => a - b);
  const q = (p: number): string => factors[Math.floor(p * (factors.length - 1))].toFixed(3);
  console.log(
    `CRIC ${part} ${values.case} (${fields.length} fields, ${total} points): modes ${JSON.stringify(modes)}, ` +
      `factors min/median/max ${q(0)}/${q(0.5)}/${q(1)}; point recall auto ${(hits.auto / total).toFixed(3)}, ` +
      `true factor given ${(hits.truth / total).toFixed(3)}`,
  );
}
