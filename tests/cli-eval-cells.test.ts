import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { runCli } from './support/run-cli';
import { existsSync } from 'node:fs';
import { REPO_ROOT } from '../src/data/paths';
import { centralNucleus } from '../src/cli/commands/eval-cells';

const hasCellModel = existsSync(join(REPO_ROOT, 'public', 'models', 'cell', 'cls', 'model.json'));

function cellPng(r: number): Buffer {
  const w = 160;
  const data = new Uint8Array(w * w * 4);
  for (let y = 0; y < w; y++)
    for (let x = 0; x < w; x++) {
      const d = (x - 80) ** 2 + (y - 80) ** 2;
      const v = d < r * r ? [90, 60, 130] : d < (3 * r) ** 2 ? [190, 175, 205] : [225, 215, 230];
      data.set([...v, 255], 4 * (y * w + x));
    }
  return Buffer.from(encode({ width: w, height: w, data, channels: 4 }));
}

describe('paplens eval-cells', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paplens-cells-'));
  writeFileSync(join(dir, 'a.png'), cellPng(12));
  writeFileSync(join(dir, 'b.png'), cellPng(25));
  writeFileSync(
    join(dir, 'manifest.csv'),
    'id,group,herlev_class,bethesda,abnormal,size_px\na,g1,normal_intermediate,NILM,0,160\nb,g2,severe_dysplastic,HSIL,1,160\n',
  );
  /** eval-cells on this folder's manifest, with extra options. */
  const evalCells = (...extra: string[]) =>
    runCli(['eval-cells', '--images', dir, '--manifest', join(dir, 'manifest.csv'), ...extra]);

  it('usage errors exit 2; a bad manifest exits 1 with one line', async () => {
    expect((await runCli(['eval-cells', '--images', dir])).code).toBe(2);
    const bad = await evalCells('--split', 'nope');
    expect(bad.code).toBe(2);
    const badMode = await evalCells('--mode', 'field');
    expect([badMode.code, badMode.err]).toEqual([
      2,
      expect.stringMatching(/--mode must be cell or auto/),
    ]);
    writeFileSync(join(dir, 'bad.csv'), 'id,group,herlev_class,abnormal\nx,g,koilocyte,1\n');
    const r = await runCli(['eval-cells', '--images', dir, '--manifest', join(dir, 'bad.csv')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown herlev_class "koilocyte"/);
    expect(r.err.split('\n')).toHaveLength(1);
  });

  it.skipIf(!hasCellModel)(
    'any folder in the manifest format: the issue-10 JSON, every cell with a primary nucleus',
    async () => {
      const json = join(dir, 'out.json');
      const r = await evalCells('--json', json);
      expect(r.code, r.err).toBe(0);
      const { readFileSync } = await import('node:fs');
      const j = JSON.parse(readFileSync(json, 'utf8'));
      expect(j.cells).toBe(2);
      expect(j.no_nucleus).toBe(0);
      expect(j.herlev7.classes).toHaveLength(7);
      expect(j.herlev7.confusion).toHaveLength(7);
      expect(Object.keys(j.herlev7.per_class)).toHaveLength(7);
      for (const k of ['precision', 'recall', 'specificity', 'f1', 'support'])
        expect(j.herlev7.per_class.severe_dysplastic).toHaveProperty(k);
      for (const k of ['sensitivity', 'specificity', 'auc']) expect(j.binary).toHaveProperty(k);
      expect(j.mode).toBe('cell');
      // With no option (the app's default), the same cells: each taken for a cell or a field.
      const auto = join(dir, 'auto.json');
      const a = await evalCells('--mode', 'auto', '--json', auto);
      expect(a.code, a.err).toBe(0);
      const ja = JSON.parse(readFileSync(auto, 'utf8'));
      expect(ja.mode).toBe('auto');
      expect(ja.taken_as.cell + ja.taken_as.field).toBe(2);
    },
    120_000,
  );
});

describe('centralNucleus (the nucleus read in a field-mode result of a cell image)', () => {
  const square = (x: number, y: number, r: number) => ({
    contour: [
      [x - r, y - r],
      [x + r, y - r],
      [x + r, y + r],
      [x - r, y + r],
    ] as [number, number][],
    centroid: { x, y },
  });
  it('takes the one under the centre, else the nearest within a third of the side', () => {
    const a = square(20, 20, 5);
    const b = square(50, 50, 8);
    const c = square(62, 50, 3);
    expect(centralNucleus([a, b, c], 100, 100)).toBe(b);
    expect(centralNucleus([a, c], 100, 100)).toBe(c);
    expect(centralNucleus([a], 100, 100)).toBeUndefined();
  });
});
