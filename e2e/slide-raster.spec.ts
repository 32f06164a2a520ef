import { expect, test } from '@playwright/test';
import { encode as encodePng } from 'fast-png';
import { syntheticSegImage } from '../src/core/segment/bench';
import {
  NO_MODELS_MESSAGE,
  shippedModels,
  waitForEngine,
  waitForImage,
  watchErrors,
  ships,
} from './helpers';

// Large JPEG/PNG images as slides (issue 14): a generated 4,000 × 4,000 PNG (16 MP, the slide
// threshold) is decoded once, held with a pyramid by the slide reader, shown in the deep-zoom
// viewer and analysed tile by tile like a tiled TIFF; one over the 60 MP limit is refused with
// one sentence that names the way out (a tiled pyramidal TIFF).
const manifest = shippedModels();
const hasSeg = ships('seg/');
const APP = '/?backend=wasm';

function bigPng(): Buffer {
  // Sparse nuclei: the test is about the path, not the load (16 analysis tiles).
  const img = syntheticSegImage(4000, 4000, 60, 12, 3);
  const rgb = new Uint8Array(4000 * 4000 * 3);
  for (let i = 0; i < 4000 * 4000; i++) rgb.set(img.data.subarray(4 * i, 4 * i + 3), 3 * i);
  return Buffer.from(encodePng({ width: 4000, height: 4000, data: rgb, channels: 3, depth: 8 }));
}

/** A PNG signature and header announcing 8,000 × 8,000 pixels (64 MP), and nothing else. */
function hugePngHeader(): Buffer {
  const head = encodePng({ width: 1, height: 1, data: new Uint8Array(3), channels: 3, depth: 8 });
  const bytes = Buffer.from(head.slice(0, 33));
  bytes.writeUInt32BE(8000, 16);
  bytes.writeUInt32BE(8000, 20);
  return bytes;
}

test.describe('large PNG as a slide', () => {
  test.skip(!manifest, NO_MODELS_MESSAGE);
  test.skip(!hasSeg, 'skipped: no segmentation model is shipped (public/models/seg)');

  test('a 16 MP PNG: whole-slide viewer, tile progress, summary and overlay; 64 MP refused clearly', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const errors = watchErrors(page);
    await page.goto(APP);
    await waitForEngine(page);
    await page
      .getByTestId('file-input')
      .setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: bigPng() });
    const progress = page.getByTestId('slide-progress');
    await expect(progress).toHaveAttribute('data-total', '16', { timeout: 120_000 });
    await expect(page.locator('.viewer-title .badge')).toHaveText('whole slide');
    expect(await waitForImage(page, 280_000)).toBe('done');
    await expect(page.getByTestId('slide-summary')).toContainText(
      '4,000 × 4,000 pixels, 3 pyramid levels',
    );
    await expect(page.getByTestId('slide-time')).toContainText('16 of 16 tiles');
    const count = Number(await page.getByTestId('nucleus-count').textContent());
    expect(count).toBeGreaterThanOrEqual(50);
    await expect(page.getByTestId('slide-canvas')).toHaveAttribute('data-missing', '0');
    await expect(page.getByTestId('overlay')).toHaveAttribute('data-drawn', String(count));

    await page
      .getByTestId('file-input')
      .setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: hugePngHeader() });
    await expect(page.getByTestId('error-message')).toContainText(
      /too large \(8000×8000 pixels\).*tiled pyramidal TIFF/,
      { timeout: 60_000 },
    );
    expect(errors).toEqual([]);
  });
});
