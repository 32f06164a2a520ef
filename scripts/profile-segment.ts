/**
 * Where segmentation time goes (issue 13), per field: the two network passes (×1 and the ×0.7
 * extra zoom) and each post-processing step, and — with `--gap` — segment() alone vs the
 * 'segment' stage inside analyze() vs segment() right after an analysis, alternating:
 *   npx tsx scripts/profile-segment.ts [--gap] FILE... | default
 * `default` = the 41 CRIC test-split fields in ../shared (with --gap: the dense bench field and
 * the synthetic one).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchField, syntheticBenchField } from '../src/cli/bench-inputs';
import { listFields } from '../src/cli/field-bench';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze } from '../src/core/analyze';
import { toGrey } from '../src/core/image/ops';
import type { RgbaImage } from '../src/core/image/types';
import { loadPipelineModels } from '../src/core/pipeline/models';
import * as pp from '../src/core/segment/postprocess';
import { loadSegModel } from '../src/core/segment/model';
import { probabilityMap, SEGMENT_DEFAULTS } from '../src/core/segment/segment';
import { dataDir } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { nodeModelSource } from '../src/models/node-source';

const { values, positionals } = parseArgs({
  options: { gap: { type: 'boolean', default: false } },
  allowPositionals: true,
});
await initNodeTf();

if (values.gap) {
  const models = await loadPipelineModels(nodeModelSource());
  const inputs: [string, RgbaImage][] =
    positionals[0] === 'default' || positionals.length === 0
      ? [
          ['bench field', (await benchField()).field],
          ['synthetic', syntheticBenchField()],
        ]
      : await Promise.all(
          positionals.map(async (f) => [f, await readImage(f)] as [string, RgbaImage]),
        );
  for (let round = 0; round < 2; round++)
    for (const [name, img] of inputs) {
      let t = performance.now();
      const s = await models.seg!.segment(img, 'field', 1);
      const alone = performance.now() - t;
      const r = await analyze(img, models, { mode: 'field', scale: 1 });
      const inside = r.timings.find((x) => x.stage === 'segment')!.ms;
      t = performance.now();
      await models.seg!.segment(img, 'field', 1);
      const after = performance.now() - t;
      console.log(
        `${name}: segment alone ${alone.toFixed(0)} ms, in analyze ${inside.toFixed(0)} ms, alone after analyze ${after.toFixed(0)} ms, ${s.nuclei.length} nuclei, load ${loadavg()[0].toFixed(1)}`,
      );
    }
  models.dispose();
} else {
  const model = await loadSegModel(nodeModelSource());
  const files =
    positionals[0] === 'default' || positionals.length === 0
      ? listFields(join(dataDir(), 'cric', 'fields'), { name: 'cric', part: 'test' })
      : positionals;
  const d = SEGMENT_DEFAULTS;
  for (const f of files) {
    const img = await readImage(f);
    const { width, height } = img;
    const time = <T>(fn: () => T): [T, number] => {
      const t = performance.now();
      const v = fn();
      return [v, performance.now() - t];
    };
    let t = performance.now();
    const p1 = await probabilityMap(img, model, 1);
    const pass1 = performance.now() - t;
    t = performance.now();
    const p2 = await probabilityMap(img, model, d.fieldExtraZooms[0]);
    const pass2 = performance.now() - t;
    for (let i = 0; i < p1.length; i++) if (p2[i] > p1[i]) p1[i] = p2[i];
    const mask = new Uint8Array(width * height);
    for (let i = 0; i < mask.length; i++) mask[i] = p1[i] >= model.manifest.threshold ? 1 : 0;
    const [, small] = time(() => pp.removeSmall(mask, width, height, d.minAreaPx));
    const [, holes] = time(() => pp.fillHoles(mask, width, height, d.maxHoleAreaPx));
    const [sep, split] = time(() => pp.separateNuclei(mask, width, height, d.splitDynamicsPx));
    const [dropped, drop] = time(() => pp.dropSmallLabels(sep.labels, sep.count, d.minAreaPx));
    const grey = toGrey(img).data;
    const [inst, stats] = time(() =>
      pp.instanceStats(dropped.labels, dropped.count, width, height, grey),
    );
    console.log(
      `${f.slice(-36)}: ${inst.length} nuclei; passes ×1 ${pass1.toFixed(0)} ms, ×${d.fieldExtraZooms[0]} ${pass2.toFixed(0)} ms; ` +
        `post-processing ${(small + holes + split + drop + stats).toFixed(0)} ms (specks ${small.toFixed(0)}, holes ${holes.toFixed(0)}, split ${split.toFixed(0)}, drop ${drop.toFixed(0)}, stats ${stats.toFixed(0)}); load ${loadavg()[0].toFixed(1)}`,
    );
  }
  model.dispose();
}
