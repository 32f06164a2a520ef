import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze } from '../src/core/analyze';
import type { CellFeatures } from '../src/core/classify/groups';
import type { RgbaImage } from '../src/core/image/types';
import type { DeepHelper } from '../src/core/pipeline/cell-features';
import { prefetchDeep } from '../src/core/pipeline/deep-prefetch';
import { loadPipelineModels, type PipelineModels } from '../src/core/pipeline/models';
import { syntheticSegImage } from '../src/core/segment/bench';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';
import { nodeSegTileWorker } from '../src/workers/node-worker';
import {
  readSegFiles,
  shareDeepFeatures,
  shareSegTiles,
  startSegTileWorkers,
  type SegTileWorkers,
} from '../src/workers/seg-tiles';
import { readDeepFiles, type DeepNetName } from '../src/core/features/deep/index';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const crop = (k: number): RgbaImage => ({
  width: 1,
  height: 1,
  data: new Uint8ClampedArray([k, 0, 0, 255]),
});
const feat = (c: RgbaImage, by: string): CellFeatures => ({
  mobilenet: new Float32Array([c.data[0], by === 'local' ? 0 : 1]),
});

describe('prefetchDeep: a field crops’ CNN features computed ahead by helpers', () => {
  it('gives every job its own crop’s features, whoever computed it', async () => {
    const ran: string[] = [];
    const helper = (name: string, ms: number): DeepHelper => ({
      features: async (c) => {
        ran.push(name);
        await sleep(ms);
        return feat(c, name);
      },
    });
    const local = async (c: RgbaImage): Promise<CellFeatures> => (
      ran.push('local'),
      feat(c, 'local')
    );
    const ahead = prefetchDeep(9, crop, ['mobilenet'], local, [helper('a', 3), helper('b', 1)]);
    for (let k = 0; k < 9; k++) expect((await ahead.get(k)).mobilenet?.[0]).toBe(k);
    // Two helpers: this thread only hands out crops.
    expect(ran).not.toContain('local');
    expect(new Set(ran)).toEqual(new Set(['a', 'b']));
  });

  it('with one helper this thread takes jobs too; a failed helper’s jobs come back here', async () => {
    const ran: string[] = [];
    const local = async (c: RgbaImage): Promise<CellFeatures> => {
      ran.push('local');
      await sleep(1);
      return feat(c, 'local');
    };
    const dead: DeepHelper = { features: () => Promise.reject(new Error('worker died')) };
    const ahead = prefetchDeep(5, crop, ['mobilenet'], local, [dead]);
    for (let k = 0; k < 5; k++) expect((await ahead.get(k)).mobilenet?.[0]).toBe(k);
    expect(ran).toHaveLength(5);
  });

  it('stop() starts no further job; a failure reaches every job not yet done', async () => {
    const cut: number[] = [];
    const slow: DeepHelper = { features: async (c) => (await sleep(5), feat(c, 'h')) };
    const ahead = prefetchDeep(
      40,
      (k) => (cut.push(k), crop(k)),
      ['mobilenet'],
      async (c) => feat(c, 'local'),
      [slow, slow],
    );
    await ahead.get(0);
    ahead.stop();
    await sleep(30);
    // At most the jobs already queued on the helpers (two each) when it stopped.
    expect(cut.length).toBeLessThan(10);

    const broken = prefetchDeep(3, crop, ['mobilenet'], () => Promise.reject(new Error('bad')), []);
    await expect(broken.get(2)).rejects.toThrow('bad');
  });
});

// Issue 13: with copies of the CNNs in the tile workers, a field gets the same answer, bit for
// bit, as with the analysis thread alone (same weights, same WASM kernels).
const shipped = ['seg/model.json', 'cnn/cnn.json', 'cls/model.json'].every((p) =>
  existsSync(join(REPO_ROOT, 'public', 'models', p)),
);
describe.skipIf(!shipped)('CNN features in the tile workers (shipped models)', () => {
  let models: PipelineModels;
  let workers: SegTileWorkers | null = null;
  // A field (auto mode) with enough outlined objects that many reach the classifier.
  const img = syntheticSegImage(900, 700, 60, 12, 7);
  beforeAll(async () => {
    await initNodeTf();
    const source = nodeModelSource();
    models = await loadPipelineModels(source);
    workers = await shareSegTiles(models.seg, source, nodeSegTileWorker, 2);
    models.seg?.shareTiles?.([]);
    expect(await shareDeepFeatures(models, source, workers)).toBe(2);
  }, 180_000);
  afterAll(() => {
    workers?.terminate();
    models?.dispose();
  });

  it('every probability equals that of the analysis thread alone, and the workers did the work', async () => {
    const helpers = models.extractors.deepHelpers ?? [];
    models.extractors.deepHelpers = [];
    const strip = ({ timings: _t, ...rest }: Awaited<ReturnType<typeof analyze>>): object => rest;
    const alone = await analyze(img, models, { mode: 'field' });
    let calls = 0;
    models.extractors.deepHelpers = helpers.map((h) => ({
      features: (c, w) => (calls++, h.features(c, w)),
    }));
    const shared = await analyze(img, models, { mode: 'field' });
    const classified = alone.nuclei.filter((n) => n.probabilities && n.label !== 'Other');
    expect(classified.length).toBeGreaterThan(5);
    expect(calls).toBeGreaterThanOrEqual(classified.length);
    expect(strip(shared)).toEqual(strip(alone));
  }, 180_000);

  it('workers terminated mid-field lose nothing: their crops are computed here, same answer', async () => {
    const saved = models.extractors.deepHelpers ?? [];
    models.extractors.deepHelpers = [];
    const alone = await analyze(img, models, { mode: 'field' });
    const source = nodeModelSource();
    const doomed = await startSegTileWorkers(
      await readSegFiles(source),
      models.versions.seg,
      nodeSegTileWorker,
      2,
    );
    const names = (models.extractors.deepGroups ?? []) as DeepNetName[];
    const got = await doomed.loadDeep(
      await readDeepFiles(source, names),
      names,
      models.versions.cnn,
    );
    expect(got).toHaveLength(2);
    let sent = 0;
    models.extractors.deepHelpers = got.map((h) => ({
      features: (c, w) => {
        const p = h.features(c, w);
        // Both workers die while their first crops are in flight.
        if (sent++ === 1) doomed.terminate();
        return p;
      },
    }));
    try {
      const after = await analyze(img, models, { mode: 'field' });
      const strip = ({ timings: _t, ...rest }: Awaited<ReturnType<typeof analyze>>): object => rest;
      expect(strip(after)).toEqual(strip(alone));
    } finally {
      doomed.terminate();
      models.extractors.deepHelpers = saved;
    }
  }, 180_000);

  it('a worker given other CNNs is refused: it keeps taking tiles, and says why', async () => {
    const source = nodeModelSource();
    const w = await startSegTileWorkers(
      await readSegFiles(source),
      models.versions.seg,
      nodeSegTileWorker,
      1,
    );
    try {
      const names = (models.extractors.deepGroups ?? []) as DeepNetName[];
      const got = await w.loadDeep(await readDeepFiles(source, names), names, 'not-this-version');
      expect(got).toHaveLength(0);
      expect(w.helpers).toHaveLength(1);
      expect(w.failure()).toMatch(/not not-this-version/);
    } finally {
      w.terminate();
    }
  }, 120_000);

  it('a cancelled analysis stops handing out crops', async () => {
    const helpers = models.extractors.deepHelpers ?? [];
    const ctrl = new AbortController();
    let calls = 0;
    models.extractors.deepHelpers = helpers.map((h) => ({
      features: (c, w) => {
        if (++calls === 1) ctrl.abort();
        return h.features(c, w);
      },
    }));
    await expect(analyze(img, models, { mode: 'field', signal: ctrl.signal })).rejects.toThrow(
      /cancelled/,
    );
    const atAbort = calls;
    await sleep(500);
    expect(calls).toBe(atAbort);
    // Aborted during the first crop's hand-out: no other crop was handed out after it.
    expect(calls).toBe(1);
    models.extractors.deepHelpers = helpers;
  }, 180_000);
});
