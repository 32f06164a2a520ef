import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { nodeModelSource } from '../src/models/node-source';
import { loadSegModel } from '../src/core/segment';
import { chooseModeAndScale } from '../src/core/pipeline/scale-choice';
import { segAdapterOf, type SegAdapter } from '../src/core/pipeline/models';
import { cricFieldPath } from '../src/data/datasets';
import { readImage } from '../src/data/read-image';

/**
 * Issue 12, the half-probe floor (src/core/segment/auto-scale.ts, HALF_PROBE_MIN_RATIO): the CRIC
 * VALIDATION fields — on the working grid by definition — whose half-factor probe merged touching
 * nuclei into larger objects and which the check therefore sent to ×0.5 before. With no option
 * given, as `paplens analyze` and the app choose, each keeps ×1; each went to ×0.5 before the floor
 * (docs/results/seg-stage6-val/shipped-cric-perfield.json).
 */
const FIELDS = [
  '023fcddb41b212f8ac3edde190d4ae5c.jpg',
  '0a2a5a681410054941cc56f51eb8fbda.jpg',
  '2fd118764c0afa9a4e1ccbe9bd8210a5.jpg',
  '8c21e0dc6b8fbeddfd6f9923b4b1054c.jpg',
  '9c42ed347e00dc159b9fb767b52de139.jpg',
  'dada70571c7ddf32b8bbbf448a6880a4.jpg',
];
const present = FIELDS.every((f) => existsSync(cricFieldPath(f)));

describe.skipIf(!present)('native CRIC val fields keep the working scale (shipped model)', () => {
  let seg: SegAdapter;
  beforeAll(async () => {
    await initNodeTf();
    seg = segAdapterOf(await loadSegModel(nodeModelSource()));
  });

  it('analyses each as a field at ×1, chosen automatically', { timeout: 240_000 }, async () => {
    for (const f of FIELDS) {
      const c = await chooseModeAndScale(await readImage(cricFieldPath(f)), seg, {});
      expect([f, c.mode, c.scale, c.scaleSource]).toEqual([f, 'field', 1, 'auto']);
    }
  });
});
