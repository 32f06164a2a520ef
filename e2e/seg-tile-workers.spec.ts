import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import { encode } from 'fast-png';
import { syntheticSegImage } from '../src/core/segment/bench';
import { ships, waitForEngine, waitForImage } from './helpers';

// Issue 13: a large image's tiles run in nested workers holding copies of the segmentation
// network (WASM), and a field's crops go through copies of the CNNs there. Same outlines and
// probabilities as the analysis worker alone, and Diagnostics says they run.
const hasSeg = ships('seg/model.json');

/** 1100×700: 3×2 tiles of 512² at ×1 (and 2 more at ×0.7 for fields). */
function multiTilePng(): Buffer {
  const img = syntheticSegImage(1100, 700, 40, 12, 5);
  return Buffer.from(encode({ width: img.width, height: img.height, data: img.data, channels: 4 }));
}

/** Refresh Diagnostics until the tile/CNN workers' entry has these attributes (they change in the background). */
async function workersShow(
  page: Page,
  attrs: Record<string, string>,
  timeout: number,
): Promise<void> {
  const tiles = page.getByTestId('seg-tile-workers');
  await expect(async () => {
    await page.getByTestId('diagnostics').getByRole('button', { name: 'refresh' }).click();
    for (const [name, value] of Object.entries(attrs))
      await expect(tiles).toHaveAttribute(name, value, { timeout: 1000 });
  }).toPass({ timeout });
}

async function outlines(
  page: Page,
  url: string,
  png: Buffer,
  wantWorkers: number,
): Promise<unknown> {
  await page.goto(url);
  expect(await waitForEngine(page)).toBe('wasm');
  await page.getByRole('button', { name: 'Diagnostics' }).click();
  const tiles = page.getByTestId('seg-tile-workers');
  // The workers load in the background after the models: wait until they all run.
  await workersShow(
    page,
    { 'data-ready': String(wantWorkers), 'data-cnn': String(wantWorkers) },
    90_000,
  );
  await expect(tiles).toHaveAttribute('data-wanted', String(wantWorkers));
  await page.getByTestId('file-input').setInputFiles({
    name: 'tiles.png',
    mimeType: 'image/png',
    buffer: png,
  });
  expect(await waitForImage(page, 180_000)).toBe('done');
  const [dl]: [Download, void] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-json').click(),
  ]);
  const report = JSON.parse(readFileSync(await dl.path(), 'utf8')) as {
    images: {
      nuclei: {
        contour: unknown;
        morphometrics: unknown;
        label: unknown;
        probabilities: unknown;
      }[];
    }[];
  };
  return report.images[0].nuclei.map((n) => [n.contour, n.morphometrics, n.label, n.probabilities]);
}

test.describe('segmentation tile workers', () => {
  test.skip(!hasSeg, 'skipped: no segmentation model is shipped (public/models/seg)');

  test('tiles and CNNs in two nested workers give the same outlines and probabilities as the analysis worker alone', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const png = multiTilePng();
    // Alone = no tile workers, so the analysis worker runs tfjs with a WASM thread per core (up to
    // 4): this also checks that those threads give the same answers.
    const alone = await outlines(page, '/?backend=wasm&segWorkers=0', png, 0);
    const shared = await outlines(page, '/?backend=wasm&segWorkers=2', png, 2);
    expect((alone as unknown[]).length).toBeGreaterThan(10);
    // Some objects reach the classifier (the gate settles the others without the CNNs).
    const classified = (alone as unknown[][]).filter((n) => n[3] !== null && n[2] !== 'Other');
    expect(classified.length).toBeGreaterThan(3);
    expect(shared).toEqual(alone);
  });
});

test.describe('idle helper workers', () => {
  test.skip(!hasSeg, 'skipped: no segmentation model is shipped (public/models/seg)');

  /** The app with two tile workers stopped after 3 s idle; Diagnostics open, the workers up. */
  async function openWithIdleStop(page: Page): Promise<void> {
    test.setTimeout(240_000);
    await page.goto('/?backend=wasm&segWorkers=2&idleWorkersS=3');
    expect(await waitForEngine(page)).toBe('wasm');
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    await workersShow(page, { 'data-ready': '2' }, 90_000);
  }

  test('stop after the idle time to free their memory, and come back with the next image', async ({
    page,
  }) => {
    await openWithIdleStop(page);
    const tiles = page.getByTestId('seg-tile-workers');
    // Nothing analysed for 3 s: stopped, and Diagnostics says why.
    await workersShow(page, { 'data-idle': 'stopped' }, 30_000);
    await expect(tiles).toContainText('stopped after 3 s without an analysis');
    await expect(tiles).toHaveAttribute('data-ready', '0');
    // The next image (more than one tile) starts them again and waits for them: computing beside
    // their start-up was slower than waiting (docs/PERFORMANCE.md, *The first image*)…
    await page.getByTestId('file-input').setInputFiles({
      name: 'tiles.png',
      mimeType: 'image/png',
      buffer: multiTilePng(),
    });
    expect(await waitForImage(page, 180_000)).toBe('done');
    await expect(page.getByTestId('results-table').locator('tbody tr').first()).toBeVisible();
    // …which Diagnostics shows apart from the pipeline's own stages…
    await expect(page.getByTestId('diagnostics').locator('ul.timings')).toContainText(
      'helpers_start_wait',
    );
    // …and they are back.
    await workersShow(page, { 'data-ready': '2' }, 90_000);
  });

  test('a file dragged over the page, or the file picker opened, starts them again before any image', async ({
    page,
  }) => {
    await openWithIdleStop(page);
    await workersShow(page, { 'data-idle': 'stopped', 'data-ready': '0' }, 30_000);
    // A file comes over the page (not dropped yet).
    const drag = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['x'], 'field.png', { type: 'image/png' }));
      return dt;
    });
    await page.dispatchEvent('body', 'dragenter', { dataTransfer: drag });
    await workersShow(page, { 'data-ready': '2' }, 90_000);
    await page.dispatchEvent('body', 'dragleave', { dataTransfer: drag });
    // Stopped again; opening the file picker (and closing it with nothing chosen) wakes them too.
    await workersShow(page, { 'data-idle': 'stopped', 'data-ready': '0' }, 30_000);
    const chooser = page.waitForEvent('filechooser');
    await page.getByText('Choose images…').first().click();
    await chooser;
    await workersShow(page, { 'data-ready': '2' }, 90_000);
    await expect(page.getByTestId('results-table')).toHaveCount(0);
  });
});
