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
    const worker = page.workers().find((w) => w.url().includes('analysis.worker'));
    expect(worker, 'the analysis worker is running').toBeTruthy();
    // An error thrown outside any call (what an engine abort looks like from the page), as soon as
    // the worker receives the analysis request: deterministic, however fast the analysis is.
    await worker!.evaluate(() => {
      self.addEventListener('message', (e: MessageEvent) => {
        const path = (e.data as { path?: unknown } | null)?.path;
        if (Array.isArray(path) && path.includes('analyze'))
          throw new Error('simulated engine crash');
      });
    });
    await input.setInputFiles({
      name: 'big-field.png',
      mimeType: 'image/png',
      buffer: syntheticPng(1280, 960),
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
