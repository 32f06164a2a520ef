// Issue 13 on a GPU: a field's crops go through the CNNs in batches (one call per network and
// batch), because one crop per call is dispatch-bound there. Same features as one at a time.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze } from '../src/core/analyze';
import type { CellFeatures } from '../src/core/classify/groups';
import type { RgbaImage } from '../src/core/image/types';
import { batchDeep } from '../src/core/pipeline/deep-batches';
import type { DeepBatchFn } from '../src/core/pipeline/cell-features';
import { isGpuBackend, loadPipelineModels, type PipelineModels } from '../src/core/pipeline/models';
import { syntheticSegImage } from '../src/core/segment/bench';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';

const crop = (k: number): RgbaImage => ({
  width: 1,
  height: 1,
  data: new Uint8ClampedArray([k, 0, 0, 255]),
});

function recordingBatch(sizes: number[], failAt = -1): DeepBatchFn {
  return async (crops) => {
    sizes.push(crops.length);
    if (sizes.length - 1 === failAt) throw new Error('GPU lost');
    await new Promise((r) => setTimeout(r, 1));
    return crops.map((c): CellFeatures => ({ mobilenet: new Float32Array([c.data[0]]) }));
  };
}

describe('batchDeep', () => {
  it('runs the crops in order, `size` per call, each job getting its own crop’s features', async () => {
    const sizes: number[] = [];
    const asked: number[] = [];
    const ahead = batchDeep(
      70,
      (k) => (asked.push(k), crop(k)),
      ['mobilenet'],
      recordingBatch(sizes),
      32,
    );
    for (let k = 0; k < 70; k++) expect((await ahead.get(k)).mobilenet?.[0]).toBe(k);
    expect(sizes).toEqual([32, 32, 6]);
    expect(asked).toEqual([...Array(70).keys()]);
  });

  it('a failed batch rejects its jobs and the later ones, not the earlier ones', async () => {
    const sizes: number[] = [];
    const ahead = batchDeep(10, crop, ['mobilenet'], recordingBatch(sizes, 1), 4);
    await expect(ahead.get(3)).resolves.toBeDefined();
    await expect(ahead.get(4)).rejects.toThrow('GPU lost');
    await expect(ahead.get(9)).rejects.toThrow('GPU lost');
    expect(sizes).toEqual([4, 4]);
  });

  it('starts no batch after the analysis is cancelled or the loop stopped', async () => {
    const ctrl = new AbortController();
    const sizes: number[] = [];
    const ahead = batchDeep(10, crop, ['mobilenet'], recordingBatch(sizes), 4, ctrl.signal);
    await ahead.get(0);
    ctrl.abort();
    await expect(ahead.get(9)).rejects.toThrow(/cancelled/);
    expect(sizes).toEqual([4, 4]);

    const sizes2: number[] = [];
    const stopped = batchDeep(10, crop, ['mobilenet'], recordingBatch(sizes2), 4);
    stopped.stop(); // the first batch had already started
    await expect(stopped.get(3)).resolves.toBeDefined();
    await expect(stopped.get(4)).rejects.toThrow(/cancelled/);
    expect(sizes2).toEqual([4]);
  });

  it('is the default on GPU backends only', () => {
    expect(isGpuBackend('webgpu')).toBe(true);
    expect(isGpuBackend('webgl')).toBe(true);
    expect(isGpuBackend('wasm')).toBe(false);
    expect(isGpuBackend('cpu')).toBe(false);
  });
});

const shipped = ['seg/model.json', 'cnn/cnn.json', 'cls/model.json'].every((p) =>
  existsSync(join(REPO_ROOT, 'public', 'models', p)),
);
describe.skipIf(!shipped)('a field with batched CNN calls (shipped models)', () => {
  let one: PipelineModels;
  let batched: PipelineModels;
  const img = syntheticSegImage(900, 700, 60, 12, 7);
  beforeAll(async () => {
    await initNodeTf();
    one = await loadPipelineModels(nodeModelSource(), { batchDeepCrops: false });
    batched = await loadPipelineModels(nodeModelSource(), { batchDeepCrops: true });
  }, 180_000);
  afterAll(() => {
    one?.dispose();
    batched?.dispose();
  });

  it('gives the same labels and probabilities (within 1e-4) as one crop per call', async () => {
    expect(one.extractors.deepBatch).toBeUndefined();
    let calls = 0;
    let crops = 0;
    const batch = batched.extractors.deepBatch!;
    batched.extractors.deepBatch = (c, w) => (calls++, (crops += c.length), batch(c, w));
    const a = await analyze(img, one, { mode: 'field' });
    const b = await analyze(img, batched, { mode: 'field' });
    const classified = a.nuclei.filter((n) => n.probabilities && n.label !== 'Other');
    expect(classified.length).toBeGreaterThan(5);
    expect(crops).toBeGreaterThanOrEqual(classified.length);
    expect(calls).toBeLessThan(crops);
    expect(b.nuclei.map((n) => n.label)).toEqual(a.nuclei.map((n) => n.label));
    a.nuclei.forEach((n, i) =>
      (n.probabilities ?? []).forEach((p, k) =>
        expect(Math.abs(p - (b.nuclei[i].probabilities ?? [])[k])).toBeLessThan(1e-4),
      ),
    );
  }, 180_000);
});
