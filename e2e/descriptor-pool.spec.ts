import { encode as encodePng } from 'fast-png';
import { expect, test } from '@playwright/test';
import { mulberry32 } from '../src/core/util/random';
import {
  NO_MODELS_MESSAGE,
  shippedModels,
  waitForEngine,
  waitForImage,
  watchErrors,
  ships,
} from './helpers';

const manifest = shippedModels();
const hasCls = ships('cls/model.json');
const hasBof = ships('bof/vocabulary.json');

/** A Herlev-like 128×128 cell (light background, pale cytoplasm, dark textured nucleus) as PNG. */
function syntheticCellPng(): Buffer {
  const rnd = mulberry32(11);
  const data = new Uint8Array(128 * 128 * 4);
  for (let y = 0; y < 128; y++)
    for (let x = 0; x < 128; x++) {
      const d2 = (x - 64) ** 2 + (y - 62) ** 2;
      const v = (d2 < 24 * 24 ? 70 + rnd() * 60 : d2 < 55 * 55 ? 195 : 230) + (rnd() - 0.5) * 16;
      const c = (n: number): number => Math.max(0, Math.min(255, Math.round(n)));
      data.set([c(v - 10), c(v - 20), c(v), 255], 4 * (y * 128 + x));
    }
  return Buffer.from(encodePng({ width: 128, height: 128, data, channels: 4, depth: 8 }));
}

// Issue 4 "done when": LBP + SURF BoF run in workers in the app. The analysis worker starts a
// descriptor pool (nested module workers); Diagnostics reports its size and the cells it described.
test.describe('descriptor worker pool in the app', () => {
  test.skip(!manifest, NO_MODELS_MESSAGE);
  test.skip(!hasCls || !hasBof, 'skipped: no classifier or BoF vocabulary is shipped');

  test('a classified cell has its LBP + SURF BoF computed in the pool', async ({ page }) => {
    test.setTimeout(180_000);
    const errors = watchErrors(page);
    await page.goto('/?backend=wasm');
    await waitForEngine(page);
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    const pool = page.getByTestId('descriptor-pool');
    await page
      .getByTestId('file-input')
      .setInputFiles({ name: 'cell.png', mimeType: 'image/png', buffer: syntheticCellPng() });
    expect(await waitForImage(page)).toBe('done');
    await expect(page.getByTestId('class-probabilities')).toBeVisible();
    await page.getByRole('button', { name: 'refresh' }).click();
    await expect(pool).not.toHaveAttribute('data-calls', '');
    const size = Number(await pool.getAttribute('data-size'));
    const calls = Number(await pool.getAttribute('data-calls'));
    // Size 0 would mean the inline fallback ran (pool failed to start).
    expect(size, (await pool.innerText()) || 'no pool text').toBeGreaterThanOrEqual(1);
    expect(calls).toBeGreaterThanOrEqual(1);
    await expect(pool).toContainText(`pool of ${size}`);
    await expect(page.locator('body')).not.toContainText('descriptor workers are not available');
    expect(errors).toEqual([]);
  });
});
