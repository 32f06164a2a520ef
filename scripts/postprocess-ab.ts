/**
 * The post-processing of another commit against this checkout's, on real masks (issue 13): the
 * 41 CRIC test fields' ×1 maps at thresholds 0.3 / 0.5 / 0.7, distance transform and watershed at
 * dynamics 0.5 / 1 / 3; says whether every output is identical and times separateNuclei of both,
 * alternating in one process:
 *   npx tsx scripts/postprocess-ab.ts --base <commit> [--limit N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { listFields } from '../src/cli/field-bench';
import { initNodeTf } from '../src/cli/tf-node';
import { loadSegModel } from '../src/core/segment/model';
import * as now from '../src/core/segment/postprocess';
import { probabilityMap, SEGMENT_DEFAULTS } from '../src/core/segment/segment';
import { dataDir, REPO_ROOT } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { nodeModelSource } from '../src/models/node-source';

const { values } = parseArgs({
  options: { base: { type: 'string' }, limit: { type: 'string' } },
});
if (!values.base) throw new Error('--base <commit> is required');
// The other commit's module (it imports types only, so it runs from anywhere).
const oldPath = join(mkdtempSync(join(tmpdir(), 'pp-ab-')), 'postprocess.ts');
writeFileSync(
  oldPath,
  execFileSync('git', ['show', `${values.base}:src/core/segment/postprocess.ts`], {
    cwd: REPO_ROOT,
  }),
);
const old = (await import(pathToFileURL(oldPath).href)) as typeof now;

await initNodeTf();
const model = await loadSegModel(nodeModelSource());
let files = listFields(join(dataDir(), 'cric', 'fields'), { name: 'cric', part: 'test' });
if (values.limit) files = files.slice(0, Number(values.limit));
const same = <T extends ArrayLike<number>>(a: T, b: T): boolean =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);
let cases = 0;
let different = 0;
let tOld = 0;
let tNow = 0;
for (const f of files) {
  const img = await readImage(f);
  const { width, height } = img;
  const p = await probabilityMap(img, model, 1);
  for (const thr of [0.5, 0.3, 0.7]) {
    const mask = new Uint8Array(width * height);
    for (let i = 0; i < mask.length; i++) mask[i] = p[i] >= thr ? 1 : 0;
    now.removeSmall(mask, width, height, SEGMENT_DEFAULTS.minAreaPx);
    now.fillHoles(mask, width, height, SEGMENT_DEFAULTS.maxHoleAreaPx);
    if (
      !same(old.distanceTransform(mask, width, height), now.distanceTransform(mask, width, height))
    )
      different++;
    for (const dyn of [SEGMENT_DEFAULTS.splitDynamicsPx, 0.5, 3]) {
      let t = performance.now();
      const a = old.separateNuclei(mask, width, height, dyn);
      tOld += performance.now() - t;
      t = performance.now();
      const b = now.separateNuclei(mask, width, height, dyn);
      tNow += performance.now() - t;
      cases++;
      if (a.count !== b.count || !same(a.labels, b.labels)) different++;
    }
  }
}
console.log(
  `${files.length} fields, ${cases} watershed cases: ${different} different outputs; separateNuclei ${values.base} ${(tOld / cases).toFixed(0)} ms, this checkout ${(tNow / cases).toFixed(0)} ms per call`,
);
model.dispose();
