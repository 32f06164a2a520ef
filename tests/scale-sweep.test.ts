import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { nodeModelSource } from '../src/models/node-source';
import { loadSegModel, segment, type SegModel } from '../src/core/segment';
import { syntheticSegSample } from '../src/core/segment/bench';
import { chooseModeAndScale } from '../src/core/pipeline/scale-choice';
import { segAdapterOf, type SegAdapter } from '../src/core/pipeline/models';
import { resizeMask, resizeRgba } from '../src/core/image/ops';
import { pixelCounts, pixelScores } from '../src/core/metrics/segmentation';

/**
 * Issue 12, "scale-sweep test in CI": one field-like test image (syntheticSegSample, nuclei ~22 px
 * across as in CRIC/ISBI) shown at ×0.5, ×1 and ×2 must give the same pooled ZSI within 0.03 with
 * the automatic scale, as the app and the CLI run it (chooseModeAndScale, then segment()).
 */
describe('scale sweep with automatic scale (shipped segmentation model)', () => {
  let model: SegModel;
  let seg: SegAdapter;
  beforeAll(async () => {
    await initNodeTf();
    model = await loadSegModel(nodeModelSource());
    seg = segAdapterOf(model);
  });

  const base = syntheticSegSample(384, 384, 14, 11, 7);

  async function run(factor: number): Promise<{ zsi: number; scale: number; source: string }> {
    const w = Math.round(base.image.width * factor);
    const h = Math.round(base.image.height * factor);
    const image = factor === 1 ? base.image : resizeRgba(base.image, w, h);
    const truth =
      factor === 1
        ? base.mask
        : resizeMask({ width: base.image.width, height: base.image.height, data: base.mask }, w, h)
            .data;
    const c = await chooseModeAndScale(image, seg, { mode: 'field' });
    const r = await segment(image, model, { mode: 'field', scale: c.scale });
    const pred = new Uint8Array(r.labels.length);
    for (let i = 0; i < pred.length; i++) pred[i] = r.labels[i] ? 1 : 0;
    return {
      zsi: pixelScores(pixelCounts(pred, truth)).zsi,
      scale: c.scale,
      source: c.scaleSource,
    };
  }

  it('gives pooled ZSI within 0.03 at ×0.5, ×1 and ×2', { timeout: 240_000 }, async () => {
    const one = await run(1);
    const half = await run(0.5);
    const double = await run(2);
    // The sweep is only meaningful if ×1 segments well.
    expect(one.zsi).toBeGreaterThan(0.8);
    expect(Math.abs(half.zsi - one.zsi)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(double.zsi - one.zsi)).toBeLessThanOrEqual(0.03);
    // The factor follows the magnification: ×0.5 needs about twice the factor of ×1, ×2 half.
    expect(half.source).toBe('auto');
    expect(double.source).toBe('auto');
    expect(half.scale / one.scale).toBeGreaterThan(1.6);
    expect(half.scale / one.scale).toBeLessThan(2.5);
    expect(double.scale / one.scale).toBeGreaterThan(0.4);
    expect(double.scale / one.scale).toBeLessThan(0.625);
  });
});
