import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pointInPolygon } from '../src/app/geometry';
import type { AnalysisResult } from '../src/core/types';
import { hasHerlev } from '../src/data/cell-manifest';
import { hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { doneWhenInputs } from '../tests/support/done-when-inputs';
import { NO_MODELS_MESSAGE, shippedModels, ships, waitForEngine } from './helpers';

/**
 * Issue 12, "Done when", in the app with no option given: the inputs of
 * tests/support/done-when-inputs.ts dropped together, read back from the JSON report (the CLI's
 * counterpart, with the reasons for each bound: tests/cli-scale-done-when.test.ts).
 */
type ReportImage = Pick<AnalysisResult, 'mode' | 'scale' | 'scaleSource' | 'nuclei'> & {
  name: string;
};

test('issue 12 "Done when": a field crop, an upscale, a half-size field and Herlev cells, no option', async ({
  page,
}) => {
  test.skip(!shippedModels(), NO_MODELS_MESSAGE);
  test.skip(!hasData() || !hasHerlev(), NO_DATA_MESSAGE);
  test.skip(!ships('seg/'), 'skipped: no segmentation model is shipped (public/models/seg)');
  test.setTimeout(300_000);
  const work = mkdtempSync(join(tmpdir(), 'paplens-done-when-e2e-'));
  try {
    const inp = await doneWhenInputs(work);
    const all = [inp.field, inp.crop, inp.up, inp.half, ...inp.cells];
    await page.goto('/?backend=wasm');
    await waitForEngine(page);
    await page.getByTestId('file-input').setInputFiles(all.map((f) => f.path));
    const done = page.getByTestId('results-table').locator('tbody tr[data-status="done"]');
    await expect(done).toHaveCount(all.length, { timeout: 240_000 });
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-json').click(),
    ]);
    const report = JSON.parse(readFileSync(await dl.path(), 'utf8')) as { images: ReportImage[] };
    const of = (path: string): ReportImage => {
      const name = path.split('/').pop()!;
      return report.images.find((i) => i.name === name)!;
    };
    const recall = (path: string, points: [number, number][]): number =>
      points.filter(([x, y]) => of(path).nuclei.some((n) => pointInPolygon(x, y, n.contour)))
        .length / points.length;

    expect(of(inp.crop.path)).toMatchObject({ mode: 'field', scale: 1, scaleSource: 'auto' });
    expect(of(inp.up.path)).toMatchObject({ mode: 'field', scaleSource: 'auto' });
    expect(of(inp.half.path)).toMatchObject({ mode: 'field', scale: 2, scaleSource: 'auto' });
    const rf = recall(inp.field.path, inp.field.points);
    const [rc, rcf, ru] = [
      recall(inp.crop.path, inp.crop.points),
      recall(inp.field.path, inp.crop.inField),
      recall(inp.up.path, inp.up.points),
    ];
    test.info().annotations.push({
      type: 'metric',
      description: `${inp.field.name}: field recall ${rf.toFixed(3)}; crop ${rc.toFixed(3)} (field on its points ${rcf.toFixed(3)}); upscale ${ru.toFixed(3)} at ×${of(inp.up.path).scale}`,
    });
    expect(rc).toBeGreaterThanOrEqual(rcf - 1 / inp.crop.points.length);
    expect(ru).toBeGreaterThanOrEqual(rf - 0.05);
    for (const c of inp.cells) expect([c.id, of(c.path).mode]).toEqual([c.id, 'cell']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
