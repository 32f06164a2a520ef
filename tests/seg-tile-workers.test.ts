import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCellImage } from '../src/cli/bench-inputs';
import { initNodeTf } from '../src/cli/tf-node';
import { findCellNuclei } from '../src/core/cell/primary-nucleus';
import { segAdapterOf } from '../src/core/pipeline/models';
import { descriptorWorkerCount, segTileWorkerCount } from '../src/cli/seg-tile-workers';
import { loadSegModel, segment, type SegModel } from '../src/core/segment';
import { syntheticSegImage } from '../src/core/segment/bench';
import { probabilityMap } from '../src/core/segment/segment';
import { runShared, setTileHelpers, type TileHelper } from '../src/core/segment/tile-helpers';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';
import { nodeSegTileWorker } from '../src/workers/node-worker';
import { readSegFiles, startSegTileWorkers, type SegTileWorkers } from '../src/workers/seg-tiles';

const shipped = existsSync(join(REPO_ROOT, 'public', 'models', 'seg', 'model.json'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('runShared: jobs shared with helpers, committed in order', () => {
  it('commits every job once, in index order, whoever ran it and however late', async () => {
    const order: number[] = [];
    const ranBy: string[] = [];
    await runShared(
      12,
      async (i) => {
        ranBy[i] = 'local';
        await sleep(1);
        return i * 10;
      },
      [
        async (i) => {
          ranBy[i] = 'a';
          await sleep(7 - (i % 5));
          return i * 10;
        },
        async (i) => {
          ranBy[i] = 'b';
          await sleep(3);
          return i * 10;
        },
      ],
      (i, r) => {
        expect(r).toBe(i * 10);
        order.push(i);
      },
    );
    expect(order).toEqual([...Array(12).keys()]);
    expect(new Set(ranBy)).toEqual(new Set(['local', 'a', 'b']));
  });

  it('a failing helper gives its job (and its share of the rest) back to this thread', async () => {
    const order: number[] = [];
    let failures = 0;
    await runShared(
      8,
      async (i) => i,
      [
        async () => {
          failures++;
          throw new Error('worker died');
        },
      ],
      (i, r) => {
        expect(r).toBe(i);
        order.push(i);
      },
    );
    expect(order).toEqual([...Array(8).keys()]);
    expect(failures).toBe(1);
  });

  it('with helpers only, this thread computes nothing unless a helper fails', async () => {
    const local: number[] = [];
    const order: number[] = [];
    await runShared(
      6,
      async (i) => (local.push(i), i),
      [async (i) => i, async (i) => (i === 3 ? Promise.reject(new Error('x')) : i)],
      (i) => order.push(i),
      false,
    );
    expect(order).toEqual([...Array(6).keys()]);
    // Job 3 and, after it, the failed helper's share of the rest.
    expect(local[0]).toBe(3);
    expect(local.every((i) => i >= 3)).toBe(true);
  });
});

describe('segTileWorkerCount', () => {
  it('reads PAPLENS_SEG_WORKERS, else one per core (≤ 4, none on one core)', () => {
    expect(segTileWorkerCount({ PAPLENS_SEG_WORKERS: '0' }, 'wasm')).toBe(0);
    expect(segTileWorkerCount({ PAPLENS_SEG_WORKERS: '2' }, 'wasm')).toBe(2);
    expect(() => segTileWorkerCount({ PAPLENS_SEG_WORKERS: '-1' }, 'wasm')).toThrow(/0 or more/);
    const n = segTileWorkerCount({}, 'wasm');
    expect(n === 0 || (n >= 2 && n <= 4)).toBe(true);
  });

  it('starts none on a GPU or the cpu backend (the tiles stay with the analysis thread, as in the app)', () => {
    expect(segTileWorkerCount({}, 'webgpu')).toBe(0);
    expect(segTileWorkerCount({ PAPLENS_SEG_WORKERS: '2' }, 'webgpu')).toBe(0);
    expect(segTileWorkerCount({ PAPLENS_SEG_WORKERS: '2' }, 'cpu')).toBe(0);
  });

  it('LBP/SURF workers: one on WASM (the helpers hold the cores), a spare core each on a GPU', () => {
    expect(descriptorWorkerCount('wasm', 16)).toBe(1);
    expect(descriptorWorkerCount('webgpu', 16)).toBe(8);
    expect(descriptorWorkerCount('webgpu', 4)).toBe(3);
    expect(descriptorWorkerCount('webgl', 1)).toBe(1);
  });
});

// Issue 13: the tiles of a field computed by copies of the network in worker threads give the
// same map, bit for bit, as this thread alone (same weights, same kernels, fixed blend order).
describe.skipIf(!shipped)('segmentation tiles in worker threads (shipped model)', () => {
  let model: SegModel;
  let workers: SegTileWorkers;
  // 1100×700 at ×1: 3×2 tiles; at ×0.7 (770×490): 2×1.
  const img = syntheticSegImage(1100, 700, 40, 12, 5);
  beforeAll(async () => {
    await initNodeTf();
    const source = nodeModelSource();
    model = await loadSegModel(source);
    workers = await startSegTileWorkers(
      await readSegFiles(source),
      model.version,
      nodeSegTileWorker,
      2,
    );
  }, 120_000);
  afterAll(() => {
    workers?.terminate();
    model?.dispose();
  });

  it('both workers start with the same model version', () => {
    expect(workers.failure()).toBeNull();
    expect(workers.helpers).toHaveLength(2);
  });

  it('the probability map and the instances are identical with and without the workers', async () => {
    setTileHelpers(model, []);
    const alone = await probabilityMap(img, model, 1);
    const segAlone = await segment(img, model, { mode: 'field' });
    let calls = 0;
    const counting: TileHelper[] = workers.helpers.map((h) => ({
      predict: (t, ph, pw) => (calls++, h.predict(t, ph, pw)),
    }));
    setTileHelpers(model, counting);
    try {
      const shared = await probabilityMap(img, model, 1);
      expect(calls).toBe(6);
      expect(shared).toEqual(alone);
      const segShared = await segment(img, model, { mode: 'field' });
      expect(segShared.labels).toEqual(segAlone.labels);
      expect(segShared.instances.length).toBe(segAlone.instances.length);
    } finally {
      setTileHelpers(model, []);
    }
  }, 120_000);

  it('a single cell: the search passes of a stage run on the helpers at once, same nucleus', async () => {
    const cell = syntheticCellImage();
    const adapter = segAdapterOf(model);
    setTileHelpers(model, []);
    const alone = await findCellNuclei(cell, adapter);
    const byHelper: number[] = [];
    let inFlight = 0;
    let most = 0;
    setTileHelpers(
      model,
      workers.helpers.map((h, k) => ({
        predict: async (t, ph, pw) => {
          byHelper.push(k);
          most = Math.max(most, ++inFlight);
          try {
            return await h.predict(t, ph, pw);
          } finally {
            inFlight--;
          }
        },
      })),
    );
    try {
      const shared = await findCellNuclei(cell, adapter);
      expect(shared).toEqual(alone);
      // The first stage's two sides went to the two helpers, at once (so did a later stage's).
      expect(byHelper.slice(0, 2).sort()).toEqual([0, 1]);
      expect(most).toBeGreaterThanOrEqual(2);
      // A helper that fails leaves its pass to this thread: same nucleus again.
      setTileHelpers(model, [{ predict: () => Promise.reject(new Error('gone')) }]);
      expect(await findCellNuclei(cell, adapter)).toEqual(alone);
    } finally {
      setTileHelpers(model, []);
    }
  }, 120_000);

  it('workers terminated mid-map lose nothing: their tiles are computed here, same map', async () => {
    setTileHelpers(model, []);
    const alone = await probabilityMap(img, model, 1);
    const source = nodeModelSource();
    const doomed = await startSegTileWorkers(
      await readSegFiles(source),
      model.version,
      nodeSegTileWorker,
      2,
    );
    let sent = 0;
    const killer: TileHelper[] = doomed.helpers.map((h, k) => ({
      predict: (t, ph, pw) => {
        const p = h.predict(t, ph, pw);
        // The first worker is terminated while its first tile is in flight.
        if (k === 0 && sent++ === 0) doomed.terminate();
        return p;
      },
    }));
    setTileHelpers(model, killer);
    try {
      expect(await probabilityMap(img, model, 1)).toEqual(alone);
    } finally {
      setTileHelpers(model, []);
      doomed.terminate();
    }
  }, 120_000);

  it('a worker given other weights is refused', async () => {
    const source = nodeModelSource();
    const w = await startSegTileWorkers(
      await readSegFiles(source),
      'not-this-version',
      nodeSegTileWorker,
      1,
    );
    try {
      expect(w.helpers).toHaveLength(0);
      expect(w.failure()).toMatch(/not not-this-version/);
    } finally {
      w.terminate();
    }
  }, 120_000);
});

describe("the app's tile worker count", () => {
  it('one per core on WASM (≤ 4), capped by device memory; none on GPU backends; ?segWorkers wins', async () => {
    const { segTileWorkerCount } = await import('../src/app/worker/seg-tiles');
    const env = { backend: 'wasm', workers: true, cores: 2 };
    expect(segTileWorkerCount(null, env)).toBe(2);
    expect(segTileWorkerCount(null, { ...env, cores: 16 })).toBe(4);
    expect(segTileWorkerCount(null, { ...env, cores: 1 })).toBe(0);
    expect(segTileWorkerCount(null, { ...env, memoryGb: 8 })).toBe(2);
    expect(segTileWorkerCount(null, { ...env, memoryGb: 4 })).toBe(1);
    expect(segTileWorkerCount(null, { ...env, memoryGb: 2 })).toBe(0);
    expect(segTileWorkerCount(null, { ...env, backend: 'webgpu' })).toBe(0);
    expect(segTileWorkerCount(null, { ...env, workers: false })).toBe(0);
    expect(segTileWorkerCount(0, env)).toBe(0);
    expect(segTileWorkerCount(3, { ...env, memoryGb: 2 })).toBe(3);
  });
});
