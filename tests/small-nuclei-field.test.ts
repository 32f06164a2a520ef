import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { nodeModelSource } from '../src/models/node-source';
import { loadSegModel } from '../src/core/segment';
import { resizeRgba } from '../src/core/image/ops';
import { chooseModeAndScale } from '../src/core/pipeline/scale-choice';
import { segAdapterOf, type SegAdapter } from '../src/core/pipeline/models';
import { dataDir } from '../src/data/paths';
import { readImage } from '../src/data/read-image';

/**
 * Issue 12, mode from content (FIELD_CHECK in src/core/segment/auto-scale.ts), on VALIDATION
 * images with the shipped model and no option given, as `paplens analyze` and the app choose. An
 * ISBI synthetic field halved to 256² was taken for one cell at ×0.5; the small-nuclei check makes
 * it a field at ×2. The two Herlev val cells whose nucleus is uncertain enough for the check to
 * run stay single cells.
 */
const SYNTHETIC = join(dataDir(), 'isbi2014', 'synthetic', 'images', '24.png');
const CELLS = ['157184112-157184128-001', '157185054-157185079-001'].map((id) =>
  join(dataDir(), 'herlev', 'images', `${id}.jpg`),
);
const present = [SYNTHETIC, ...CELLS].every((p) => existsSync(p));

describe.skipIf(!present)('small-nuclei field check (shipped model)', () => {
  let seg: SegAdapter;
  beforeAll(async () => {
    await initNodeTf();
    seg = segAdapterOf(await loadSegModel(nodeModelSource()));
  });

  it('takes a half-size synthetic field for a field at ×2', { timeout: 120_000 }, async () => {
    const full = await readImage(SYNTHETIC);
    const half = resizeRgba(full, full.width / 2, full.height / 2);
    expect(await chooseModeAndScale(half, seg, {})).toMatchObject({
      mode: 'field',
      modeFrom: 'content',
      scale: 2,
      scaleSource: 'auto',
    });
    // The user's mode still wins (and the check is not run for it).
    expect((await chooseModeAndScale(half, seg, { mode: 'cell' })).mode).toBe('cell');
  });

  it('keeps the Herlev cells it checks single cells', { timeout: 120_000 }, async () => {
    for (const p of CELLS)
      expect([p, (await chooseModeAndScale(await readImage(p), seg, {})).mode]).toEqual([
        p,
        'cell',
      ]);
  });
});
