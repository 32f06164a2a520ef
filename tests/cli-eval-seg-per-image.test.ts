import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticSegSample } from '../src/core/segment/bench';
import { runCli } from './support/run-cli';

/**
 * `eval-seg --images/--masks --json` writes each image's row (id, factor, scores), so a change in
 * the pooled figures can be traced to the images that moved it (as `per_field` for CRIC points).
 */
describe('paplens eval-seg --images: per-image figures in the JSON', () => {
  const work = mkdtempSync(join(tmpdir(), 'paplens-eval-seg-per-image-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('has one row per image whose counts add up to the object totals', async () => {
    mkdirSync(join(work, 'images'));
    mkdirSync(join(work, 'masks'));
    const ids = ['a', 'b'];
    ids.forEach((id, k) => {
      const { image, mask } = syntheticSegSample(160, 128, 5, 10, k + 3);
      const px = new Uint8Array(image.data.buffer);
      writeFileSync(
        join(work, 'images', `${id}.png`),
        encode({ width: 160, height: 128, data: px, channels: 4 }),
      );
      const m = mask.map((v) => (v ? 255 : 0));
      writeFileSync(
        join(work, 'masks', `${id}.png`),
        encode({ width: 160, height: 128, data: m, channels: 1 }),
      );
    });
    const json = join(work, 'r.json');
    const r = await runCli([
      'eval-seg',
      '--images',
      join(work, 'images'),
      '--masks',
      join(work, 'masks'),
      '--mode',
      'field',
      '--scale',
      '1',
      '--json',
      json,
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8')) as {
      object: { tp: number; fp: number; fn: number };
      per_image: {
        image: string;
        scale: number;
        zsi: number;
        pred: number;
        truth: number;
        matched: number;
      }[];
    };
    expect(j.per_image.map((p) => p.image).sort()).toEqual(ids);
    expect(j.per_image.every((p) => p.scale === 1 && p.truth > 0)).toBe(true);
    const sum = (f: (p: (typeof j.per_image)[number]) => number): number =>
      j.per_image.reduce((a, p) => a + f(p), 0);
    expect(sum((p) => p.matched)).toBe(j.object.tp);
    expect(sum((p) => p.pred - p.matched)).toBe(j.object.fp);
    expect(sum((p) => p.truth - p.matched)).toBe(j.object.fn);
  });
});
