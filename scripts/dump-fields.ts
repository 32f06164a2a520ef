/**
 * Analyse CRIC fields exactly as the app does (`analyze`, mode field, shipped models) and cache,
 * per field, the analysis result (what `paplens analyze --json` prints) and the classifier's
 * fused, standardised feature vector of every nucleus (PCA per group → concat → scaler), so the
 * Other gate and the screening threshold can be tuned offline without re-running the pipeline:
 *
 *   npx tsx scripts/dump-fields.ts --parts train,val,test [--out .cache/fields] [--limit N]
 *
 * Layout (gitignored): <out>/<field>.json (AnalysisResult) and <out>/<field>.f32 (n × dim float32
 * rows in nucleus order; dim in the JSON's `fusedDim`). The features are captured by wrapping the
 * shipped extractors (the CNNs are called once per nucleus, in order); the LBP + BoF of the same
 * crop come from `extractCellFeatures`, as in `classifyCrop`. Every captured vector is checked:
 * `classifyFeatures` on it must give the probabilities `analyze` reported.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { analyze } from '../src/core/analyze';
import { fuseFeatures, standardise, classifyFeatures } from '../src/core/classify/fusion';
import type { CellFeatures } from '../src/core/classify/groups';
import { extractCellFeatures, handcraftedGroups } from '../src/core/pipeline/cell-features';
import { loadPipelineModels, type PipelineModels } from '../src/core/pipeline/models';
import { cricFieldPath } from '../src/data/datasets';
import { REPO_ROOT, hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, type Part } from '../src/data/splits';
import { initNodeTf } from '../src/cli/tf-node';
import { nodeModelSource } from '../src/models/node-source';

const { values } = parseArgs({
  options: {
    parts: { type: 'string', default: 'val' },
    out: { type: 'string', default: join(REPO_ROOT, '.cache', 'fields') },
    limit: { type: 'string' },
    models: { type: 'string' },
  },
});

async function main(): Promise<void> {
  if (!hasData()) {
    console.log(NO_DATA_MESSAGE);
    return;
  }
  await initNodeTf();
  const models = await loadPipelineModels(
    nodeModelSource(values.models ? resolve(values.models) : undefined),
  );
  const cls = models.cls;
  if (!cls || !models.extractors.deep) throw new Error('the shipped classifier is not loadable');
  // A field without the segmentation model would be cached as "0 nuclei" instead of failing.
  if (!models.seg) throw new Error('the shipped segmentation model is not loadable');
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const split = loadSplit('cric');
  const parts = values.parts!.split(',') as Part[];
  let fields = parts.flatMap((p) => split.parts[p]);
  if (values.limit) fields = fields.slice(0, Number(values.limit));

  const groups = cls.groups.map((g) => g.name);
  const hand = handcraftedGroups(groups);
  let captured: CellFeatures[] = [];
  const realDeep = models.extractors.deep;
  const wrapped: PipelineModels = {
    ...models,
    // The cache holds the six-class probabilities before the Other gate: train-screen.ts applies
    // (and retrains) the gate itself, so caching gated probabilities would apply it twice.
    screen: undefined,
    versions: Object.fromEntries(Object.entries(models.versions).filter(([k]) => k !== 'screen')),
    extractors: {
      ...models.extractors,
      deep: async (crop, wanted) => {
        const d = await realDeep(crop, wanted);
        // Plain view: the image the CNNs see is the crop itself; LBP + BoF as classifyCrop does.
        const h = await extractCellFeatures(
          crop,
          null,
          { bof: models.extractors.bof },
          hand,
          cls.pipeline,
        );
        captured.push({ ...d, ...h });
        return d;
      },
    },
  };
  let i = 0;
  for (const field of fields) {
    i++;
    const jsonPath = join(out, field.replace(/\.[^.]+$/, '') + '.json');
    if (existsSync(jsonPath)) continue;
    const t0 = Date.now();
    const image = await readImage(cricFieldPath(field));
    captured = [];
    const result = await analyze(image, wrapped, { mode: 'field', name: field });
    const ms = Date.now() - t0;
    if (captured.length !== result.nuclei.length)
      throw new Error(`${field}: captured ${captured.length} ≠ ${result.nuclei.length} nuclei`);
    const dim = cls.scaler.mean.length;
    const buf = new Float32Array(captured.length * dim);
    captured.forEach((f, k) => {
      buf.set(standardise(cls.scaler, fuseFeatures(cls, f)), k * dim);
      const p = classifyFeatures(cls, f).probabilities;
      const q = result.nuclei[k].probabilities!;
      if (p.some((v, c) => Math.abs(v - q[c]) > 1e-4))
        throw new Error(`${field}: nucleus ${k + 1} features do not reproduce its probabilities`);
    });
    writeFileSync(jsonPath.replace(/\.json$/, '.f32'), new Uint8Array(buf.buffer));
    writeFileSync(jsonPath, JSON.stringify({ ...result, fusedDim: dim, fieldMs: ms }));
    console.log(`${i}/${fields.length} ${field} nuclei ${result.nuclei.length} ${ms} ms`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
