import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { nodeModelSource } from '../src/models/node-source';
import {
  loadSegModel,
  segment,
  SegmentInputError,
  toNuclei,
  type SegModel,
} from '../src/core/segment';
import type { RgbaImage } from '../src/core/image/types';
import { hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { herlevSamples } from '../src/data/datasets';
import { readImage, readMask } from '../src/data/read-image';
import { loadSplit, unitsOf } from '../src/data/splits';
import { pixelCounts, pixelScores } from '../src/core/metrics/segmentation';

/** Light field with pale cytoplasm blobs and dark round nuclei (a cartoon of a Pap field). */
function cartoon(w: number, h: number, nuclei: { x: number; y: number; r: number }[]): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = 235;
      for (const n of nuclei) {
        const d = Math.hypot(x - n.x, y - n.y);
        if (d <= n.r * 3) v = Math.min(v, 200);
        if (d <= n.r) v = 70;
      }
      const o = 4 * (y * w + x);
      data[o] = v;
      data[o + 1] = v;
      data[o + 2] = v + 10;
      data[o + 3] = 255;
    }
  return { width: w, height: h, data };
}

describe('segment() with the shipped model', () => {
  let model: SegModel;
  beforeAll(async () => {
    await initNodeTf();
    model = await loadSegModel(nodeModelSource());
  });

  it('finds dark nuclei in a field, measures them, and leaks no tensors', async () => {
    const nuclei = [
      { x: 60, y: 60, r: 11 },
      { x: 200, y: 90, r: 9 },
      { x: 120, y: 200, r: 13 },
    ];
    const img = cartoon(300, 260, nuclei);
    const before = tf.memory().numTensors;
    const r = await segment(img, model, { mode: 'field' });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.scale).toBe(1);
    expect(r.labels.length).toBe(300 * 260);
    for (const n of nuclei) expect(r.labels[n.y * 300 + n.x]).toBeGreaterThan(0);
    expect(r.instances.length).toBe(3);
    for (const inst of r.instances) {
      expect(inst.morphometrics.circularity).toBeGreaterThan(0.8);
      expect(inst.contour.length).toBeGreaterThan(10);
      expect(inst.morphometrics.meanIntensity).toBeLessThan(0.45);
    }
    const nucl = toNuclei(r);
    expect(nucl[0].id).toBe(1);
    expect(nucl[0].probabilities).toBeNull();
  });

  it('tiles large inputs with blending and agrees with a single pass', async () => {
    const nuclei = [
      { x: 100, y: 100, r: 10 },
      { x: 250, y: 160, r: 10 }, // straddles the tile overlap
      { x: 560, y: 220, r: 12 },
    ];
    const img = cartoon(640, 300, nuclei);
    const before = tf.memory().numTensors;
    const tiled = await segment(img, model, { mode: 'field', tileSize: 256, tileOverlap: 64 });
    const single = await segment(img, model, { mode: 'field', tileSize: 1024 });
    expect(tf.memory().numTensors).toBe(before);
    expect(tiled.instances.length).toBe(single.instances.length);
    let diff = 0;
    for (let i = 0; i < tiled.labels.length; i++)
      if (!tiled.labels[i] !== !single.labels[i]) diff++;
    expect(diff / tiled.labels.length).toBeLessThan(0.002);
  });

  it('rescales cell images to the working scale and maps results back', async () => {
    const img = cartoon(128, 128, [{ x: 64, y: 64, r: 28 }]);
    const r = await segment(img, model, { mode: 'cell' });
    expect(r.scale).toBe(model.manifest.workingScale.cellScale);
    expect(r.width).toBe(128);
    expect(r.instances.length).toBe(1);
    const a = r.instances[0].morphometrics.areaPx;
    expect(a).toBeGreaterThan(Math.PI * 28 * 28 * 0.8);
    expect(a).toBeLessThan(Math.PI * 28 * 28 * 1.25);
  });

  it('rejects bad input with a clear message', async () => {
    const empty: RgbaImage = { width: 0, height: 0, data: new Uint8ClampedArray(0) };
    await expect(segment(empty, model, { mode: 'field' })).rejects.toThrow(SegmentInputError);
    const wrong: RgbaImage = { width: 10, height: 10, data: new Uint8ClampedArray(12) };
    await expect(segment(wrong, model, { mode: 'field' })).rejects.toThrow(/does not match/);
    const img = cartoon(32, 32, []);
    await expect(segment(img, model, { mode: 'field', scale: -1 })).rejects.toThrow(/positive/);
  });
});

describe.skipIf(!hasData())('segment() on Herlev-SD validation cells', () => {
  if (!hasData()) console.log(NO_DATA_MESSAGE);
  it('reaches ZSI > 0.9 pooled on five validation images', async () => {
    await initNodeTf();
    const model = await loadSegModel(nodeModelSource());
    const val = unitsOf(loadSplit('herlev-sd'), 'val');
    const samples = herlevSamples()
      .filter((s) => val.has(s.group))
      .slice(0, 5);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const s of samples) {
      const img = await readImage(s.imagePath);
      const m = await readMask(s.maskPath);
      const r = await segment(img, model, { mode: 'cell' });
      const c = pixelCounts(
        r.labels.map((v) => (v ? 1 : 0)),
        m.data,
      );
      tp += c.tp;
      fp += c.fp;
      fn += c.fn;
    }
    expect(pixelScores({ tp, fp, fn, tn: 0 }).zsi).toBeGreaterThan(0.9);
    model.dispose();
  });
});
