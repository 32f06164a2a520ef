import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDir, hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { runCli } from './support/run-cli';

if (!hasData()) console.warn(NO_DATA_MESSAGE);

describe.skipIf(!hasData())('paplens eval-seg --points: per-field figures', () => {
  const work = mkdtempSync(join(tmpdir(), 'paplens-eval-seg-points-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reports each field with its scale, and the fields add up to the total', async () => {
    // Two CRIC fields with their labelled points, in the layout eval-seg reads.
    const lines = readFileSync(join(dataDir(), 'cric', 'cells.csv'), 'utf8')
      .trim()
      .split('\n');
    const header = lines[0].split(',');
    const col = header.indexOf('field');
    const names = [...new Set(lines.slice(1).map((l) => l.split(',')[col]))].sort().slice(0, 2);
    const rows = lines.slice(1).filter((l) => names.includes(l.split(',')[col]));
    mkdirSync(join(work, 'fields'));
    for (const n of names)
      symlinkSync(join(dataDir(), 'cric', 'fields', n), join(work, 'fields', n));
    writeFileSync(join(work, 'cells.csv'), [lines[0], ...rows].join('\n') + '\n');
    const json = join(work, 'r.json');
    const r = await runCli([
      'eval-seg',
      '--points',
      join(work, 'cells.csv'),
      '--fields',
      join(work, 'fields'),
      '--scale',
      '1',
      '--per-image',
      '--json',
      json,
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(readFileSync(json, 'utf8')) as {
      points: { hit: number; total: number };
      per_field: { field: string; scale: number; hit: number; total: number }[];
    };
    expect(j.per_field.map((f) => f.field).sort()).toEqual(names);
    expect(j.per_field.every((f) => f.scale === 1)).toBe(true);
    expect(j.per_field.reduce((a, f) => a + f.total, 0)).toBe(rows.length);
    expect(j.points.total).toBe(rows.length);
    expect(j.per_field.reduce((a, f) => a + f.hit, 0)).toBe(j.points.hit);
    // --per-image prints the per-field table too.
    for (const n of names) expect(r.out).toContain(n);
  });
});
