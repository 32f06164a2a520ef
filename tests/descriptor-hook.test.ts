import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDescriptors, type AppDescriptors } from '../src/app/worker/descriptors';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze, loadModels, type PipelineModels } from '../src/core/analyze';
import { cropCell } from '../src/core/image/crop-cell';
import type { RgbaImage } from '../src/core/image/types';
import {
  extractCellFeatures,
  type CellExtractors,
  type HandcraftedFeatureFn,
} from '../src/core/pipeline/cell-features';
import { mulberry32 } from '../src/core/util/random';
import { cricFieldPath, readCricCells } from '../src/data/datasets';
import { hasData, NO_DATA_MESSAGE, REPO_ROOT } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';
import { Worker } from 'node:worker_threads';
import { nodeDescriptorWorker, workerThreadHandle } from '../src/workers/node-worker';

/**
 * The app computes LBP + SURF BoF in the descriptor worker pool (src/app/worker/descriptors.ts)
 * through `CellExtractors.handcrafted`; the CLI and training compute them inline. Both must give
 * bit-identical features and therefore identical class probabilities.
 */
const manifestPath = join(REPO_ROOT, 'public', 'models', 'manifest.json');
const files: { path: string }[] = existsSync(manifestPath)
  ? ((JSON.parse(readFileSync(manifestPath, 'utf8')) as { files?: { path: string }[] }).files ?? [])
  : [];
const shipped = ['cls/model.json', 'bof/vocabulary.json'].every((p) =>
  files.some((f) => f.path === p),
);
if (!shipped)
  console.warn('skipped: the classifier or the BoF vocabulary is not shipped (public/models)');
if (!hasData()) console.warn(NO_DATA_MESSAGE);

/** A Herlev-like 128×128 cell: noisy light background, pale cytoplasm, a dark textured nucleus. */
function syntheticCell(seed: number): RgbaImage {
  const rnd = mulberry32(seed);
  const data = new Uint8ClampedArray(128 * 128 * 4);
  for (let y = 0; y < 128; y++)
    for (let x = 0; x < 128; x++) {
      const d2 = (x - 64) ** 2 + (y - 62) ** 2;
      const v = (d2 < 24 * 24 ? 70 + rnd() * 60 : d2 < 55 * 55 ? 195 : 230) + (rnd() - 0.5) * 16;
      data.set([v - 10, v - 20, v, 255], 4 * (y * 128 + x));
    }
  return { width: 128, height: 128, data };
}

describe.skipIf(!shipped)('descriptor pool hook vs inline LBP + SURF BoF (shipped models)', () => {
  let models: PipelineModels;
  let pool: AppDescriptors;
  let poolCalls = 0;
  let inlineExtractors: CellExtractors;
  let poolExtractors: CellExtractors;
  beforeAll(async () => {
    await initNodeTf();
    models = await loadModels(nodeModelSource());
    pool = await startDescriptors(models.vocabulary!, {
      size: 2,
      createWorker: nodeDescriptorWorker,
    });
    const counted: HandcraftedFeatureFn = (...args) => {
      poolCalls++;
      return pool.hook(...args);
    };
    inlineExtractors = models.extractors;
    poolExtractors = { ...models.extractors, handcrafted: counted };
  }, 120_000);
  afterAll(() => {
    pool?.terminate();
    models?.dispose();
  });
  const withPool = (): PipelineModels => ({ ...models, extractors: poolExtractors });

  it('the pool started (no fallback)', () => {
    expect(models.vocabulary).toBeDefined();
    expect(pool.failure()).toBeNull();
    expect(pool.info().size).toBe(2);
  });

  it('gives bit-identical lbp and bof for the shipped pipeline config, and leaves the crop intact', async () => {
    const cls = models.cls!;
    const groups = cls.groups.map((g) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['lbp', 'bof']));
    for (const seed of [1, 2, 3]) {
      const crop = cropCell(syntheticCell(seed), 64, 62);
      const before = crop.data.slice();
      const onlyHand = groups.filter((g) => g === 'lbp' || g === 'bof');
      const a = await extractCellFeatures(crop, null, inlineExtractors, onlyHand, cls.pipeline);
      const t: Record<string, number> = {};
      const b = await extractCellFeatures(crop, null, poolExtractors, onlyHand, cls.pipeline, t);
      expect(crop.data).toEqual(before);
      expect(b.lbp).toEqual(a.lbp);
      expect(b.bof).toEqual(a.bof);
      expect(a.lbp!.length).toBe(256);
      expect(a.bof!.length).toBe(models.vocabulary!.k);
      expect(a.bof!.some((v) => v > 0)).toBe(true);
      // The pool path records its wait, not the inline stages.
      expect(t.lbp_bof_wait).toBeGreaterThanOrEqual(0);
      expect(t.lbp).toBeUndefined();
    }
    const info = pool.info();
    expect(info.calls).toBeGreaterThanOrEqual(3);
    expect(info.inlineCalls).toBe(0);
  }, 120_000);

  it('cell mode: identical class probabilities through the pool', async () => {
    const image = syntheticCell(7);
    const a = await analyze(image, models, { mode: 'cell' });
    const before = poolCalls;
    const b = await analyze(image, withPool(), { mode: 'cell' });
    expect(poolCalls).toBe(before + b.nuclei.filter((n) => n.probabilities).length);
    expect(b.nuclei.length).toBe(a.nuclei.length);
    expect(a.nuclei[0]?.probabilities).not.toBeNull();
    expect(b.nuclei.map((n) => n.probabilities)).toEqual(a.nuclei.map((n) => n.probabilities));
  }, 120_000);

  it('a pool that cannot start falls back to the inline path (same numbers) and says why', async () => {
    const broken = await startDescriptors(models.vocabulary!, {
      size: 1,
      createWorker: () => workerThreadHandle(new Worker('process.exit(3)', { eval: true })),
    });
    try {
      expect(broken.failure()).toMatch(/stopped unexpectedly/);
      expect(broken.info().size).toBe(0);
      const cls = models.cls!;
      const crop = cropCell(syntheticCell(5), 64, 62);
      const a = await extractCellFeatures(
        crop,
        null,
        inlineExtractors,
        ['lbp', 'bof'],
        cls.pipeline,
      );
      const b = await extractCellFeatures(
        crop,
        null,
        { ...models.extractors, handcrafted: broken.hook },
        ['lbp', 'bof'],
        cls.pipeline,
      );
      expect(b.lbp).toEqual(a.lbp);
      expect(b.bof).toEqual(a.bof);
      expect(broken.info().inlineCalls).toBe(1);
    } finally {
      broken.terminate();
    }
  }, 60_000);

  it.skipIf(!hasData())(
    'field mode (descriptors started ahead of the CNNs): same nuclei, same probabilities, in order',
    async () => {
      const test = unitsOf(loadSplit('cric'), 'test');
      const field = [...new Set(readCricCells().map((c) => c.field))]
        .filter((f) => test.has(f))
        .sort()[0];
      const image = await readImage(cricFieldPath(field));
      const a = await analyze(image, models, { mode: 'field' });
      const before = poolCalls;
      const b = await analyze(image, withPool(), { mode: 'field' });
      expect(a.nuclei.length).toBeGreaterThan(1);
      // One pool call per nucleus that reaches the classifier (the gate settles the rest first).
      expect(poolCalls - before).toBe(a.nuclei.filter((n) => n.probabilities !== null).length);
      expect(b.nuclei.map((n) => [n.id, n.centroid, n.probabilities])).toEqual(
        a.nuclei.map((n) => [n.id, n.centroid, n.probabilities]),
      );
      expect(b.timings.some((t) => t.stage === 'lbp_bof_wait')).toBe(true);
      expect(pool.info().inlineCalls).toBe(0);
    },
    300_000,
  );
});
