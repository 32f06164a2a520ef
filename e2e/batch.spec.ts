import { expect, test } from '@playwright/test';
import { syntheticPng, waitForEngine } from './helpers';

test('a large batch (40 images, one of them broken) finishes, every good image analysed', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/?backend=wasm');
  await waitForEngine(page);
  const files = Array.from({ length: 40 }, (_, i) =>
    i === 17
      ? { name: `broken-${i}.png`, mimeType: 'image/png', buffer: Buffer.from('not an image') }
      : { name: `img-${i}.png`, mimeType: 'image/png', buffer: syntheticPng(160, 120) },
  );
  await page.getByTestId('file-input').setInputFiles(files);
  const rows = page.getByTestId('results-table').locator('tbody tr');
  await expect(rows).toHaveCount(40, { timeout: 60_000 });
  // Every row settles: 39 analysed (or viewed when no model is shipped), 1 with its error.
  const count = (status: string) =>
    page.getByTestId('results-table').locator(`tbody tr[data-status="${status}"]`).count();
  await expect
    .poll(async () => (await count('done')) + (await count('viewed')), {
      timeout: 240_000,
      intervals: [1000],
    })
    .toBe(39);
  expect(await count('error')).toBe(1);
  await expect(page.getByTestId('error-message')).toContainText('broken-17.png');
});
