import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { AnalysisResult } from '../src/core/types';
import { hasHerlev } from '../src/data/cell-manifest';
import { hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { doneWhenInputs, judgeDoneWhen } from '../tests/support/done-when-inputs';
import { NO_MODELS_MESSAGE, shippedModels, ships, waitForEngine } from './helpers';

/**
 * Issue 12, "Done when", in the app with no option given: the inputs of
 * tests/support/done-when-inputs.ts dropped together, read back from the JSON report and judged
 * as the CLI's are (`judgeDoneWhen`; tests/cli-scale-done-when.test.ts).
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
    const { failures, summary } = judgeDoneWhen(inp, (path) =>
      report.images.find((i) => i.name === path.split('/').pop()),
    );
    test.info().annotations.push({ type: 'metric', description: summary });
    expect(failures).toEqual([]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
