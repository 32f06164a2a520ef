import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnalyzeJson } from '../src/cli/commands/analyze';
import { cellImage } from './support/cell-doubles';
import { runCli } from './support/run-cli';

/**
 * `paplens eval-seg` scores the nuclei `paplens analyze` outlines (both go through
 * src/core/pipeline/segment-as-chosen.ts): for a single cell, the nucleus finder's search, whose
 * factor (here ×0.75) is not the coarse pass's (×0.5). Shipped model, no option given.
 */
const work = mkdtempSync(join(tmpdir(), 'paplens-eval-as-shown-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('eval-seg scores what analyze shows', () => {
  it(
    'a single cell: same mode, factor, nuclei and outlined pixels',
    { timeout: 120_000 },
    async () => {
      const side = 256;
      const disc = { x: 128, y: 128, r: 20 };
      const img = cellImage(side, side, [disc, { x: 40, y: 50, r: 12 }], { x: 128, y: 128, r: 90 });
      mkdirSync(join(work, 'images'));
      mkdirSync(join(work, 'masks'));
      const png = join(work, 'images', 'cell.png');
      const size = { width: side, height: side };
      writeFileSync(png, encode({ ...size, data: new Uint8Array(img.data.buffer), channels: 4 }));
      const mask = new Uint8Array(side * side);
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++)
          if ((x - disc.x) ** 2 + (y - disc.y) ** 2 <= disc.r ** 2) mask[y * side + x] = 255;
      writeFileSync(join(work, 'masks', 'cell.png'), encode({ ...size, data: mask, channels: 1 }));
      const truthPx = mask.filter((v) => v).length;

      const a = await runCli(['analyze', png, '--json', join(work, 'a.json')]);
      expect(a.code, a.err).toBe(0);
      const shown = (JSON.parse(readFileSync(join(work, 'a.json'), 'utf8')) as AnalyzeJson)
        .images[0];
      const e = await runCli([
        'eval-seg',
        '--images',
        join(work, 'images'),
        '--masks',
        join(work, 'masks'),
        '--json',
        join(work, 'e.json'),
      ]);
      expect(e.code, e.err).toBe(0);
      type Row = { mode: string; scale: number; pred: number; precision: number; recall: number };
      const row = (JSON.parse(readFileSync(join(work, 'e.json'), 'utf8')) as { per_image: Row[] })
        .per_image[0];

      expect(shown.mode).toBe('cell');
      expect(row.mode).toBe('cell');
      // The finder's factor, not the cell default ×0.5 the coarse pass keeps for this nucleus.
      expect(row.scale).toBe(Number(shown.scale.toFixed(3)));
      expect(row.scale).not.toBe(0.5);
      expect(row.pred).toBe(shown.nuclei.length);
      // Predicted pixels = recall × truth / precision: the pixels of the nuclei analyze outlines.
      const predPx = (row.recall * truthPx) / row.precision;
      const shownPx = shown.nuclei.reduce((s, n) => s + n.morphometrics.areaPx, 0);
      expect(Math.abs(predPx - shownPx)).toBeLessThan(0.5);
    },
  );
});
