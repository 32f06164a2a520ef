import { expect, test } from '@playwright/test';
import { cricFieldPath } from '../src/data/datasets';
import { hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { mostLabelledTestField } from '../tests/support/done-when-inputs';
import { NO_MODELS_MESSAGE, shippedModels, ships, waitForEngine, waitForImage } from './helpers';

/**
 * The image viewer's pointer handling (src/app/components/use-pan-zoom.ts, shared with the slide
 * viewer, whose keyboard and jumps e2e/slide.spec.ts covers): wheel zoom about the pointer, drag
 * to pan, a click on no nucleus clears the selection, N selects one.
 */
test('image viewer: wheel zoom, drag to pan, N selects a nucleus, a click off the nuclei clears it', async ({
  page,
}) => {
  test.skip(!shippedModels(), NO_MODELS_MESSAGE);
  test.skip(!hasData(), NO_DATA_MESSAGE);
  test.skip(!ships('seg/'), 'skipped: no segmentation model is shipped (public/models/seg)');
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm');
  await waitForEngine(page);
  await page.getByTestId('file-input').setInputFiles(cricFieldPath(mostLabelledTestField()[0]));
  expect(await waitForImage(page, 150_000)).toBe('done');
  const viewer = page.getByTestId('viewer');
  const box = (await viewer.boundingBox())!;
  const stage = page.locator('.viewer-stage');
  const zoom = page.locator('.zoom-level');
  const fitted = await zoom.textContent();

  // Wheel over the viewer: zoomed in, the page not scrolled.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await expect(zoom).not.toHaveText(fitted ?? '');
  expect(await page.evaluate(() => window.scrollY)).toBe(0);

  // Drag: the image moves with the pointer.
  const before = await stage.evaluate((el) => getComputedStyle(el).transform);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 30, { steps: 5 });
  await page.mouse.up();
  await expect.poll(() => stage.evaluate((el) => getComputedStyle(el).transform)).not.toBe(before);

  // Fit again, select the most abnormal nucleus with N, then click the viewer's corner, outside
  // the fitted image: no nucleus there, so the selection clears.
  await viewer.focus();
  await page.keyboard.press('0');
  await expect(zoom).toHaveText(fitted ?? '');
  await page.keyboard.press('n');
  await expect(page.locator('.nucleus-panel h2')).toContainText('Nucleus #');
  await page.mouse.click(box.x + 3, box.y + 3);
  await expect(page.locator('.nucleus-panel h2')).not.toContainText('Nucleus #');
});
