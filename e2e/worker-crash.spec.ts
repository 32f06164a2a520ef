import { expect, test } from '@playwright/test';
import { syntheticPng, waitForEngine, waitForImage, ships } from './helpers';

const hasSeg = ships('seg/');

test.describe('analysis worker crash', () => {
  test.skip(
    !hasSeg,
    'skipped: no segmentation model shipped, so nothing runs long enough to crash',
  );

  test('a crash mid-analysis gives a clear message, the engine restarts, the next image works', async ({
    page,
  }) => {
    await page.goto('/?backend=wasm');
    await waitForEngine(page);
    const input = page.getByTestId('file-input');
    // A field-sized image keeps the worker busy for seconds.
    await input.setInputFiles({
      name: 'big-field.png',
      mimeType: 'image/png',
      buffer: syntheticPng(1280, 960),
    });
    await expect(page.getByTestId('viewer')).toHaveAttribute('data-status', 'analysing', {
      timeout: 30_000,
    });
    const worker = page.workers().find((w) => w.url().includes('analysis.worker'));
    expect(worker, 'the analysis worker is running').toBeTruthy();
    // An error thrown outside any call: what an engine abort looks like from the page.
    await worker!.evaluate(() => {
      setTimeout(() => {
        throw new Error('simulated engine crash');
      }, 0);
    });
    const err = page.getByTestId('error-message');
    await expect(err).toContainText('big-field.png', { timeout: 30_000 });
    await expect(err).toContainText(/stopped unexpectedly.*restarted/);

    await input.setInputFiles({ name: 'after.png', mimeType: 'image/png', buffer: syntheticPng() });
    await expect(page.getByTestId('viewer')).toHaveAttribute(
      'data-status',
      /analysing|decoding|queued/,
    );
    expect(await waitForImage(page)).toBe('done');
  });
});
