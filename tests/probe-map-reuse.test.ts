import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze } from '../src/core/analyze';
import { loadPipelineModels, type PipelineModels } from '../src/core/pipeline/models';
import { estimateOptions } from '../src/core/pipeline/scale-choice';
import { loadSegModel, segment, type SegModel } from '../src/core/segment';
import { estimateScale, REUSE_MAX_PIXELS } from '../src/core/segment/auto-scale';
import { syntheticSegImage } from '../src/core/segment/bench';
import { probabilityMap } from '../src/core/segment/segment';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';

const shipped = existsSync(join(REPO_ROOT, 'public', 'models', 'seg', 'model.json'));

/** The model with its network passes counted (pixels seen at working scale). */
function counted(model: SegModel): SegModel & { pixels: number } {
  const m = {
    ...model,
    pixels: 0,
    predict(x: tf.Tensor4D): tf.Tensor4D {
      m.pixels += x.shape[0] * x.shape[1] * x.shape[2];
      return model.predict(x);
    },
  };
  return m;
}

// Issue 13: the automatic-scale pass of a field computes the whole image's map at ×1 once and
// the segmentation reuses it, instead of running the network over the probe's area twice.
describe.skipIf(!shipped)('probe map reuse (shipped segmentation model)', () => {
  let model: SegModel;
  const img = syntheticSegImage(1280, 960, 60, 12, 21);
  beforeAll(async () => {
    await initNodeTf();
    model = await loadSegModel(nodeModelSource());
  });
  afterAll(() => model?.dispose());

  it('the kept default comes with the exact map the main pass would compute', async () => {
    expect(img.width * img.height).toBeLessThanOrEqual(REUSE_MAX_PIXELS);
    const est = await estimateScale(img, model, estimateOptions('field'));
    expect(est).toMatchObject({ found: true, atDefault: true, scale: 1 });
    expect(est.map).toBeDefined();
    const fresh = await probabilityMap(img, model, 1);
    expect(Array.from(est.map!)).toEqual(Array.from(fresh));
    // Segmenting with the given map: the same instances, and the network runs only for the
    // extra zoom (×0.7), not again at ×1.
    const c = counted(model);
    const reused = await segment(img, c, { mode: 'field', probability: est.map });
    const withMap = c.pixels;
    c.pixels = 0;
    const plain = await segment(img, c, { mode: 'field' });
    expect(reused.instances).toEqual(plain.instances);
    expect(withMap).toBeLessThan(c.pixels * 0.5);
    await expect(
      segment(img, model, { mode: 'field', probability: new Float32Array(10) }),
    ).rejects.toThrow(/does not match/);
  }, 120_000);

  it('an image above the limit, or a default factor other than ×1, brings no map', async () => {
    const big = syntheticSegImage(1600, 1200, 60, 12, 22);
    expect(big.width * big.height).toBeGreaterThan(REUSE_MAX_PIXELS);
    expect((await estimateScale(big, model, estimateOptions('field'))).map).toBeUndefined();
    // Presumed a cell (default ×0.5): the probe works on a resized crop, no ×1 map.
    const cell = syntheticSegImage(400, 300, 3, 24, 23);
    expect((await estimateScale(cell, model, estimateOptions('cell'))).map).toBeUndefined();
  }, 180_000);
});

describe.skipIf(!shipped)('analyze with the reused map', () => {
  let models: PipelineModels;
  afterAll(() => models?.dispose());
  it('finds the same nuclei as with the factor given (no pass, no map)', async () => {
    await initNodeTf();
    models = await loadPipelineModels(nodeModelSource(), { classifier: false });
    const img = syntheticSegImage(1024, 768, 40, 12, 24);
    const auto = await analyze(img, models, { mode: 'field' });
    expect(auto).toMatchObject({ scale: 1, scaleSource: 'auto' });
    const given = await analyze(img, models, { mode: 'field', scale: 1 });
    expect(auto.nuclei.map((n) => n.contour)).toEqual(given.nuclei.map((n) => n.contour));
  }, 120_000);
});
