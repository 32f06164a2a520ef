import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { labelComponents } from '../src/core/metrics/segmentation';
import { syntheticSegSample } from '../src/core/segment/bench';
import { dataDir, hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { runCli } from './support/run-cli';

/**
 * `eval-seg --json` writes one row per evaluated unit (`per_field` for CRIC points, `per_image`
 * for mask sets), so a change in the pooled figures can be traced to the fields or images — and
 * the factors — that moved it.
 */
if (!hasData()) console.warn(NO_DATA_MESSAGE);

const work = mkdtempSync(join(tmpdir(), 'paplens-eval-seg-json-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `eval-seg ARGS --scale 1 --json FILE`, expects success, returns the output and the JSON. */
async function evalSegJson<T>(name: string, args: string[]): Promise<{ out: string; j: T }> {
  const json = join(work, `${name}.json`);
  const r = await runCli(['eval-seg', ...args, '--scale', '1', '--json', json]);
  expect(r.code, r.err).toBe(0);
  return { out: r.out, j: JSON.parse(readFileSync(json, 'utf8')) as T };
}

describe.skipIf(!hasData())('paplens eval-seg --points: per-field figures', () => {
  it('reports each field with its scale, and the fields add up to the total', async () => {
    // Two CRIC fields with their labelled points, in the layout eval-seg reads.
    const lines = readFileSync(join(dataDir(), 'cric', 'cells.csv'), 'utf8')
      .trim()
      .split('\n');
    const header = lines[0].split(',');
    const col = header.indexOf('field');
    const names = [...new Set(lines.slice(1).map((l) => l.split(',')[col]))].sort().slice(0, 2);
    const rows = lines.slice(1).filter((l) => names.includes(l.split(',')[col]));
    const dir = join(work, 'points');
    mkdirSync(join(dir, 'fields'), { recursive: true });
    for (const n of names)
      symlinkSync(join(dataDir(), 'cric', 'fields', n), join(dir, 'fields', n));
    writeFileSync(join(dir, 'cells.csv'), [lines[0], ...rows].join('\n') + '\n');
    const { out, j } = await evalSegJson<{
      points: { hit: number; total: number };
      per_field: { field: string; mode: string; scale: number; hit: number; total: number }[];
    }>('points', [
      '--points',
      join(dir, 'cells.csv'),
      '--fields',
      join(dir, 'fields'),
      '--per-image',
    ]);
    expect(j.per_field.map((f) => f.field).sort()).toEqual(names);
    // The mode is chosen as in `paplens analyze` (auto): each of these fields is a field.
    expect(j.per_field.every((f) => f.scale === 1 && f.mode === 'field')).toBe(true);
    expect(j.per_field.reduce((a, f) => a + f.total, 0)).toBe(rows.length);
    expect(j.points.total).toBe(rows.length);
    expect(j.per_field.reduce((a, f) => a + f.hit, 0)).toBe(j.points.hit);
    // --per-image prints the per-field table too.
    for (const n of names) expect(out).toContain(n);
  });
});

describe('paplens eval-seg --images: per-image figures', () => {
  it('has one row per image whose counts add up to the object totals', async () => {
    const dir = join(work, 'masks');
    mkdirSync(join(dir, 'images'), { recursive: true });
    mkdirSync(join(dir, 'masks'));
    const ids = ['a', 'b'];
    ids.forEach((id, k) => {
      const { image, mask } = syntheticSegSample(160, 128, 5, 10, k + 3);
      const size = { width: 160, height: 128 };
      const px = new Uint8Array(image.data.buffer);
      writeFileSync(join(dir, 'images', `${id}.png`), encode({ ...size, data: px, channels: 4 }));
      const m = mask.map((v) => (v ? 255 : 0));
      writeFileSync(join(dir, 'masks', `${id}.png`), encode({ ...size, data: m, channels: 1 }));
    });
    type Row = { image: string; scale: number; pred: number; truth: number; matched: number };
    const { j } = await evalSegJson<{
      object: { tp: number; fp: number; fn: number };
      per_image: Row[];
    }>('masks', [
      '--images',
      join(dir, 'images'),
      '--masks',
      join(dir, 'masks'),
      '--mode',
      'field',
    ]);
    expect(j.per_image.map((p) => p.image).sort()).toEqual(ids);
    expect(j.per_image.every((p) => p.scale === 1 && p.truth > 0)).toBe(true);
    const sum = (f: (p: Row) => number): number => j.per_image.reduce((a, p) => a + f(p), 0);
    expect(sum((p) => p.matched)).toBe(j.object.tp);
    expect(sum((p) => p.pred - p.matched)).toBe(j.object.fp);
    expect(sum((p) => p.truth - p.matched)).toBe(j.object.fn);
  });

  it('says how many false-positive pixels lie in objects away from every annotated nucleus', async () => {
    // Masks annotating one nucleus per image (as Herlev-SD does): the others, outlined correctly,
    // count as false positives, and the diagnostic finds them.
    const dir = join(work, 'one-annotated');
    mkdirSync(join(dir, 'images'), { recursive: true });
    mkdirSync(join(dir, 'masks'));
    const { image, mask } = syntheticSegSample(160, 128, 5, 10, 3);
    const size = { width: 160, height: 128 };
    writeFileSync(
      join(dir, 'images', 'a.png'),
      encode({ ...size, data: new Uint8Array(image.data.buffer), channels: 4 }),
    );
    const { labels } = labelComponents(mask, 160, 128);
    const one = mask.map((v, i) => (v && labels[i] === 1 ? 255 : 0));
    writeFileSync(join(dir, 'masks', 'a.png'), encode({ ...size, data: one, channels: 1 }));
    const { out, j } = await evalSegJson<{
      pixel: {
        pooled: { precision: number };
        untouched_objects: {
          objects: number;
          share_of_false_positives: number;
          precision_without: number;
        };
      };
    }>('one', ['--images', join(dir, 'images'), '--masks', join(dir, 'masks'), '--mode', 'field']);
    const u = j.pixel.untouched_objects;
    expect(u.objects).toBeGreaterThanOrEqual(3);
    expect(u.share_of_false_positives).toBeGreaterThan(0.5);
    expect(u.precision_without).toBeGreaterThan(j.pixel.pooled.precision + 0.2);
    expect(out).toContain('touch no annotated nucleus');
  });
});
