import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { encode } from 'fast-png';
import { NO_MODELS_MESSAGE, shippedModels, waitForEngine, waitForImage } from './helpers';

/**
 * An image with no cell in it — a blank patch of slide, a few specks of debris on it — is
 * not a cell: the app outlines nothing, classifies nothing and says so, instead of outlining the
 * darkest patch and giving it class probabilities (docs/CELLS.md, *Images with no nucleus*).
 */
function blankPng(side: number, specks: [number, number][] = []): Buffer {
  const data = new Uint8Array(side * side * 4);
  for (let i = 0; i < side * side; i++) data.set([205, 215, 225, 255], 4 * i);
  // Debris: 3×3 dark specks.
  for (const [x, y] of specks)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) data.set([60, 50, 80], 4 * ((y + dy) * side + x + dx));
  return Buffer.from(encode({ width: side, height: side, data, channels: 4 }));
}

test('an image with no cell: no nucleus outlined, no class, and the reason on screen', async ({
  page,
}) => {
  test.skip(!shippedModels(), NO_MODELS_MESSAGE);
  test.setTimeout(120_000);
  await page.goto('/?backend=wasm');
  await waitForEngine(page);
  await page.getByTestId('file-input').setInputFiles([
    { name: 'blank.png', mimeType: 'image/png', buffer: blankPng(224) },
    {
      name: 'debris.png',
      mimeType: 'image/png',
      buffer: blankPng(200, [
        [96, 104],
        [120, 90],
        [40, 150],
      ]),
    },
  ]);
  const rows = page.getByTestId('results-table').locator('tbody tr[data-status="done"]');
  await expect(rows).toHaveCount(2, { timeout: 90_000 });
  for (const name of ['blank.png', 'debris.png']) {
    await page
      .getByTestId('results-table')
      .locator('tbody tr', { hasText: name })
      .getByRole('button')
      .first()
      .click();
    expect(await waitForImage(page)).toBe('done');
    await expect(page.locator('.warnings')).toContainText('No nucleus was found in this image');
    await expect(page.locator('.nucleus-panel')).toContainText(
      'No nucleus was found in this image.',
    );
  }
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-json').click(),
  ]);
  const report = JSON.parse(readFileSync(await dl.path(), 'utf8')) as {
    images: { name: string; mode: string; nuclei: unknown[] }[];
  };
  expect(report.images.map((i) => [i.name, i.mode, i.nuclei.length]).sort()).toEqual([
    ['blank.png', 'cell', 0],
    ['debris.png', 'cell', 0],
  ]);
});
