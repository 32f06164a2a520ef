import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { cricFieldPath, herlevSamples, readCricCells } from '../src/data/datasets';
import { hasData, NO_DATA_MESSAGE, REPO_ROOT } from '../src/data/paths';
import { loadSplit, unitsOf } from '../src/data/splits';
import { waitForEngine, waitForImage } from './helpers';

// Refreshes docs/screenshots/*.png (the images in docs/APP.md). Opt-in: it rewrites tracked files.
const SHOTS = process.env.PAPLENS_SCREENSHOTS === '1';
const dir = join(REPO_ROOT, 'docs', 'screenshots');
const shot = (name: string) => join(dir, name);

test.describe('screenshots for docs/APP.md', () => {
  test.skip(!SHOTS, 'skipped: set PAPLENS_SCREENSHOTS=1 to refresh docs/screenshots');
  test.use({ viewport: { width: 1440, height: 960 } });

  test('empty state, error, diagnostics', async ({ page }) => {
    await page.goto('/?backend=wasm');
    await waitForEngine(page);
    await page.screenshot({ path: shot('01-start.png') });
    await page.getByTestId('file-input').setInputFiles({
      name: 'scan.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'),
    });
    await expect(page.getByTestId('error-message')).toBeVisible();
    await page.screenshot({ path: shot('05-bad-file.png') });
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    await expect(page.getByTestId('diagnostics')).toBeVisible();
    await page.getByTestId('diagnostics').screenshot({ path: shot('06-diagnostics.png') });
  });

  test('model download progress', async ({ page, context }) => {
    // Hold each model file back a little so the byte progress bar is on screen long enough.
    await context.route(/\/models\/(?!manifest\.json)/, async (route) => {
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    await page.goto('/?backend=wasm');
    const bar = page.getByTestId('model-progress');
    await expect(bar).toContainText(/Downloading models: [1-9][\d.]* (KB|MB) of [1-9]/, {
      timeout: 60_000,
    });
    await page.waitForTimeout(2500);
    await page.screenshot({ path: shot('00-loading.png') });
  });

  test('field, cell and batch', async ({ page }) => {
    test.skip(!hasData(), NO_DATA_MESSAGE);
    test.setTimeout(300_000);
    const testFields = unitsOf(loadSplit('cric'), 'test');
    const counts = new Map<string, number>();
    for (const c of readCricCells())
      if (testFields.has(c.field) && c.label !== 'NILM')
        counts.set(c.field, (counts.get(c.field) ?? 0) + 1);
    const field = [...counts.entries()].sort(
      (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
    )[0][0];
    const herlevTest = unitsOf(loadSplit('herlev-sd'), 'test');
    const cell = herlevSamples()
      .filter((s) => herlevTest.has(s.group))
      .sort((a, b) => a.id.localeCompare(b.id))[0];

    await page.goto('/?backend=wasm');
    await waitForEngine(page);
    await page.getByTestId('file-input').setInputFiles(cricFieldPath(field));
    expect(await waitForImage(page, 240_000)).toBe('done');
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('n');
    await page.screenshot({ path: shot('02-field.png') });

    await page.getByTestId('file-input').setInputFiles(cell.imagePath);
    expect(await waitForImage(page)).toBe('done');
    await page.screenshot({ path: shot('03-cell.png') });

    await page.getByTestId('results-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('04-batch.png'), fullPage: true });
  });
});
