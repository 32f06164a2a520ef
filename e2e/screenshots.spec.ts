import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { encode as encodePng } from 'fast-png';
import { syntheticBenchField, syntheticCellImage } from '../src/cli/bench-inputs';
import type { RgbaImage } from '../src/core/image/types';
import { REPO_ROOT } from '../src/data/paths';
import { waitForEngine, waitForImage } from './helpers';

// Refreshes docs/screenshots/*.png (the images in docs/APP.md). Opt-in: it rewrites tracked files.
const SHOTS = process.env.PAPLENS_SCREENSHOTS === '1';
const dir = join(REPO_ROOT, 'docs', 'screenshots');
const shot = (name: string) => join(dir, name);
/** Committed pictures show generated images only: nothing from ../shared may be committed. */
const png = (name: string, im: RgbaImage) => ({
  name,
  mimeType: 'image/png',
  buffer: Buffer.from(
    encodePng({ width: im.width, height: im.height, data: im.data, channels: 4, depth: 8 }),
  ),
});

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
    test.setTimeout(300_000);
    await page.goto('/?backend=wasm');
    await waitForEngine(page);
    await page
      .getByTestId('file-input')
      .setInputFiles(png('synthetic-field.png', syntheticBenchField()));
    expect(await waitForImage(page, 240_000)).toBe('done');
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('n');
    await page.screenshot({ path: shot('02-field.png') });

    await page
      .getByTestId('file-input')
      .setInputFiles(png('synthetic-cell.png', syntheticCellImage()));
    expect(await waitForImage(page)).toBe('done');
    await page.screenshot({ path: shot('03-cell.png') });

    await page.getByTestId('results-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('04-batch.png'), fullPage: true });
  });
});
