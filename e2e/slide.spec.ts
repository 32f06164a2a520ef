import { readFileSync } from 'node:fs';
import { getIssues } from '@placemarkio/check-geojson';
import { expect, test, type Page } from '@playwright/test';
import { syntheticSegImage } from '../src/core/segment/bench';
import { absurdDimensions, truncatedTile, wrongOffsets } from '../tests/support/bad-slides';
import { encodeSlide } from '../tests/support/slide-writer';
import {
  NO_MODELS_MESSAGE,
  shippedModels,
  syntheticPng,
  waitForEngine,
  waitForImage,
  watchErrors,
  ships,
} from './helpers';

// Whole slides in the app (issue 14): a synthetic pyramidal tiled TIFF generated here (no
// binaries, no ../shared), analysed tile by tile in the analysis worker.
const manifest = shippedModels();
const hasSeg = ships('seg/');
const hasCls = ships('cls/model.json');
const APP = '/?backend=wasm';

/** 2048 × 1024 (two 1024-px analysis tiles), 256-px JPEG tiles, two pyramid levels below. */
function slideBytes(width = 2048, height = 1024, seed = 11, pixelSizeUm?: number): Buffer {
  const img = syntheticSegImage(width, height, Math.round((width * height) / 40_000), 12, seed);
  return Buffer.from(
    encodeSlide(img, { compression: 'jpeg', tile: 256, pyramidLevels: 2, pixelSizeUm }),
  );
}

/** Long main-thread tasks (ms) from now on, collected by a PerformanceObserver in the page. */
async function watchLongTasks(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  return () => page.evaluate(() => (window as unknown as { __long: number[] }).__long);
}

test.describe('whole slides', () => {
  test.skip(!manifest, NO_MODELS_MESSAGE);
  test.skip(!hasSeg, 'skipped: no segmentation model is shipped (public/models/seg)');

  test('a pyramidal slide: progress, summary, gallery, jump, GeoJSON and CSV in level-0 coordinates', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    const errors = watchErrors(page);
    await page.goto(APP);
    await waitForEngine(page);
    const longTasks = await watchLongTasks(page);
    await page
      .getByTestId('file-input')
      .setInputFiles({ name: 'synthetic-slide.tif', mimeType: 'image/tiff', buffer: slideBytes() });

    // Progress per tile, with the tile count of the plan (2 tiles of 1024 px).
    const progress = page.getByTestId('slide-progress');
    await expect(progress).toHaveAttribute('data-total', '2', { timeout: 60_000 });
    await expect(page.locator('.viewer-title .badge')).toHaveText('whole slide');
    expect(await waitForImage(page, 200_000)).toBe('done');

    const summary = page.getByTestId('slide-summary');
    await expect(summary).toContainText('2,048 × 1,024 pixels, 3 pyramid levels');
    // No pixel size in the file: estimated from the slide's own nuclei (synthetic: ×1).
    await expect(page.getByTestId('slide-scale')).toContainText(
      'The file states no pixel size: about 0.173 µm, estimated from the nuclei of sample windows; every tile at ×1.00',
    );
    await expect(page.getByTestId('slide-time')).toContainText('2 of 2 tiles');
    await expect(page.getByTestId('slide-adequacy')).toContainText('5,000');
    const count = Number(await page.getByTestId('nucleus-count').textContent());
    expect(count).toBeGreaterThan(10);
    // The viewer drew its tiles and the overlay.
    await expect(page.getByTestId('slide-canvas')).toHaveAttribute('data-missing', '0');
    // Fitted, the whole slide is in view: every nucleus of every tile is on the overlay.
    await expect(page.getByTestId('overlay')).toHaveAttribute('data-drawn', String(count));

    if (hasCls) {
      // The most abnormal objects, with crops read from the slide; one click jumps to it.
      const items = page.getByTestId('slide-gallery').locator('button');
      expect(await items.count()).toBeGreaterThan(0);
      await expect(
        page.getByTestId('slide-gallery').getByTestId('slide-thumb').first(),
      ).toHaveAttribute('data-loaded', 'true');
      const last = items.last();
      const x = Number(await last.getAttribute('data-x'));
      const y = Number(await last.getAttribute('data-y'));
      await last.click();
      const viewer = page.getByTestId('viewer');
      await expect(viewer).toHaveAttribute('data-center-x', String(x));
      await expect(viewer).toHaveAttribute('data-center-y', String(y));
      expect(Number(await viewer.getAttribute('data-zoom'))).toBeGreaterThanOrEqual(1);
      await expect(page.locator('.nucleus-panel h2')).toContainText('Nucleus #');
      // At zoom ≥ 1 the level-0 tiles are read.
      await expect(page.getByTestId('slide-canvas')).toHaveAttribute('data-level', '0');
      await expect(page.getByTestId('slide-canvas')).toHaveAttribute('data-missing', '0');
    }

    // GeoJSON: QuPath detections in level-0 pixels (the second tile's nuclei lie beyond x=1024).
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-geojson').click(),
    ]);
    const geoText = readFileSync(await dl.path(), 'utf8');
    // Valid RFC 7946 GeoJSON to an independent checker (what QuPath's importer expects first).
    expect(getIssues(geoText)).toEqual([]);
    const geo = JSON.parse(geoText) as {
      type: string;
      features: {
        type: string;
        geometry: { type: string; coordinates: number[][][] };
        properties: { objectType: string; measurements: unknown };
      }[];
    };
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features).toHaveLength(count);
    const xs = geo.features.flatMap((f) => f.geometry.coordinates[0].map((p) => p[0]));
    const ys = geo.features.flatMap((f) => f.geometry.coordinates[0].map((p) => p[1]));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(2048);
    expect(Math.max(...xs)).toBeGreaterThan(1100);
    expect(Math.max(...ys)).toBeLessThanOrEqual(1024);
    for (const f of geo.features) {
      expect(f.geometry.type).toBe('Polygon');
      expect(f.properties.objectType).toBe('detection');
    }
    // CSV: one row per nucleus, centroids in level-0 pixels.
    const [csvDl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    const lines = readFileSync(await csvDl.path(), 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(lines).toHaveLength(count + 1);
    const cx = lines[0].split(',').indexOf('centroid_x');
    expect(Math.max(...lines.slice(1).map((l) => Number(l.split(',')[cx])))).toBeGreaterThan(1024);

    // The page stayed responsive: the longest main-thread task while the slide ran and was viewed.
    const tasks = await longTasks();
    const longest = Math.max(0, ...tasks);
    test.info().annotations.push({
      type: 'longest main-thread task',
      description: `${longest.toFixed(0)} ms (${tasks.length} tasks over 50 ms)`,
    });
    console.log(
      `slide e2e: longest main-thread task ${longest.toFixed(0)} ms, ${tasks.length} long tasks`,
    );
    expect(longest).toBeLessThan(200);
    expect(errors).toEqual([]);
  });

  test('Cancel keeps the finished tiles; Resume continues from the next one', async ({ page }) => {
    test.setTimeout(240_000);
    await page.goto(APP);
    await waitForEngine(page);
    await page.getByTestId('file-input').setInputFiles({
      name: 'resume-slide.tif',
      mimeType: 'image/tiff',
      // Calibrated at the working pixel size: the summary names it, the factor stays ×1.
      buffer: slideBytes(3072, 1024, 12, 0.173),
    });
    await expect(page.getByTestId('slide-scale')).toContainText(
      'Pixel size 0.173 µm (from the file, XResolution): every tile at ×1.00',
    );
    const progress = page.getByTestId('slide-progress');
    await expect(progress).toHaveAttribute('data-done', '1', { timeout: 120_000 });
    await page.getByTestId('cancel').click();
    await expect(page.getByTestId('viewer')).toHaveAttribute('data-status', 'cancelled');
    const resume = page.getByTestId('slide-resume');
    await expect(resume).toBeVisible();
    const from = Number(/tile (\d+)/.exec((await resume.textContent()) ?? '')?.[1]);
    expect(from).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('slide-partial')).toContainText('nuclei so far');
    // A pixel size entered between Cancel and Resume does not mix two scales in one slide.
    await page.getByTestId('pixel-size').fill('0.25');
    await resume.click();
    expect(await waitForImage(page, 200_000)).toBe('done');
    await expect(page.getByTestId('slide-time')).toContainText('3 of 3 tiles');
    await expect(page.getByTestId('slide-scale')).toContainText('from the file, XResolution');
    await expect(page.locator('ul.warnings')).toContainText(
      "from the file's calibration (XResolution)",
    );
    expect(Number(await page.getByTestId('nucleus-count').textContent())).toBeGreaterThan(10);
  });
});

test('damaged slides give one clear message each; the app stays usable', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  const good = new Uint8Array(slideBytes(1024, 512, 3));
  await page.goto(APP);
  await waitForEngine(page);
  const input = page.getByTestId('file-input');
  const cases: [string, Uint8Array, RegExp][] = [
    ['absurd.tif', absurdDimensions(good), /implausibly large/],
    ['offsets.tif', wrongOffsets(good), /truncated or corrupt/],
  ];
  for (const [name, bytes, message] of cases) {
    await input.setInputFiles({ name, mimeType: 'image/tiff', buffer: Buffer.from(bytes) });
    await expect(page.getByTestId('error-message')).toContainText(name);
    await expect(page.getByTestId('error-message')).toContainText(message);
  }
  if (manifest && hasSeg) {
    // A tile cut short is found when the analysis reads it.
    await input.setInputFiles({
      name: 'cut.tif',
      mimeType: 'image/tiff',
      buffer: Buffer.from(truncatedTile(good)),
    });
    await expect(page.getByTestId('error-message')).toContainText('cut.tif', { timeout: 60_000 });
    await expect(page.getByTestId('error-message')).toContainText(/corrupt/);
  }
  // Still usable: an ordinary image opens next.
  await input.setInputFiles({ name: 'after.png', mimeType: 'image/png', buffer: syntheticPng() });
  expect(await waitForImage(page)).toMatch(/^(done|viewed)$/);
  expect(errors).toEqual([]);
});
