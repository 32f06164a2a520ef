import { expect, test, type Page } from '@playwright/test';
import { frozenLzwTiff } from '../tests/support/bad-inputs';
import { syntheticPng, waitForEngine, watchErrors } from './helpers';

// Issue 15: a damaged file never freezes the app; the batch goes on; Cancel works within a second.

test.use({ serviceWorkers: 'block' });

const statusOf = (page: Page, name: string) =>
  page.getByTestId('results-table').locator('tbody tr', { hasText: name });

test('the TIFF that froze PapLens gives its message and the next image is analysed', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.goto('/?backend=wasm');
  await waitForEngine(page);
  const t0 = Date.now();
  await page.getByTestId('file-input').setInputFiles([
    { name: 'frozen.tif', mimeType: 'image/tiff', buffer: Buffer.from(frozenLzwTiff()) },
    { name: 'next.png', mimeType: 'image/png', buffer: syntheticPng(160, 120) },
  ]);
  await expect(statusOf(page, 'frozen.tif')).toHaveAttribute('data-status', 'error', {
    timeout: 10_000,
  });
  expect(Date.now() - t0).toBeLessThan(10_000);
  await expect(statusOf(page, 'frozen.tif')).toContainText('The TIFF file is corrupt');
  await expect(statusOf(page, 'next.png')).toHaveAttribute('data-status', /done|viewed/, {
    timeout: 90_000,
  });
  expect(errors).toEqual([]);
});

/**
 * A decode that never returns (the decode worker is made to spin on one file, after saying it
 * started it, by rewriting its script in flight) is stopped by the watchdog within 10 s with one
 * clear sentence; the next image is analysed; and Cancel during such a decode stops it within a
 * second.
 */
async function spinOnFilesOfLength(page: Page, length: number): Promise<void> {
  // Worker scripts are fetched through the context (and must not come from the service worker).
  await page.context().route(/decode\.worker.*\.js$/, async (route) => {
    const res = await route.fetch();
    const body =
      (await res.text()) +
      `\n;{const o=self.onmessage;self.onmessage=(ev)=>{if(ev.data.bytes.byteLength===${length}){self.postMessage({id:ev.data.id,started:true});for(;;){}}return o(ev);};}\n`;
    await route.fulfill({ response: res, body });
  });
}

test('a decode that never ends is stopped within 10 s and the batch goes on', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const hanging = syntheticPng(97, 61);
  await spinOnFilesOfLength(page, hanging.length);
  await page.goto('/?backend=wasm');
  await waitForEngine(page);
  const t0 = Date.now();
  await page.getByTestId('file-input').setInputFiles([
    { name: 'hangs.png', mimeType: 'image/png', buffer: hanging },
    { name: 'after.png', mimeType: 'image/png', buffer: syntheticPng(160, 120) },
  ]);
  await expect(statusOf(page, 'hangs.png')).toHaveAttribute('data-status', 'error', {
    timeout: 10_000,
  });
  expect(Date.now() - t0).toBeLessThan(10_000);
  await expect(statusOf(page, 'hangs.png')).toContainText(
    'The file could not be read in time; it may be damaged.',
  );
  await expect(statusOf(page, 'after.png')).toHaveAttribute('data-status', /done|viewed/, {
    timeout: 90_000,
  });
  expect(errors).toEqual([]);
});

test('Cancel stops a decode that never ends within a second; the app stays usable', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const hanging = syntheticPng(97, 61);
  await spinOnFilesOfLength(page, hanging.length);
  await page.goto('/?backend=wasm');
  await waitForEngine(page);
  await page
    .getByTestId('file-input')
    .setInputFiles([{ name: 'hangs.png', mimeType: 'image/png', buffer: hanging }]);
  await expect(statusOf(page, 'hangs.png')).toHaveAttribute('data-status', 'decoding');
  await page.waitForTimeout(500);
  const t0 = Date.now();
  await page.getByTestId('cancel').click();
  await expect(statusOf(page, 'hangs.png')).toHaveAttribute('data-status', 'cancelled', {
    timeout: 1000,
  });
  expect(Date.now() - t0).toBeLessThan(1000);
  await page
    .getByTestId('file-input')
    .setInputFiles([{ name: 'again.png', mimeType: 'image/png', buffer: syntheticPng(160, 120) }]);
  await expect(statusOf(page, 'again.png')).toHaveAttribute('data-status', /done|viewed/, {
    timeout: 90_000,
  });
});
