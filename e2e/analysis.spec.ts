import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import { pointInPolygon } from '../src/app/geometry';
import { cricFieldPath, herlevSamples, readCricCells } from '../src/data/datasets';
import { mostLabelledTestField } from '../tests/support/done-when-inputs';
import { hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { loadSplit, unitsOf } from '../src/data/splits';
import { hasHerlev, herlevCells } from '../src/data/cell-manifest';
import { HERLEV_CLASSES } from '../src/core/herlev';
import {
  NO_MODELS_MESSAGE,
  overlayPixelCount,
  shippedModels,
  waitForEngine,
  waitForImage,
  ships,
} from './helpers';

const manifest = shippedModels();
const hasSeg = ships('seg/');
const hasCls = ships('cls/model.json');
const hasCellCls = ships('cell/cls/model.json');

async function downloadText(
  page: Page,
  testId: string,
): Promise<{ name: string; text: string; bytes: Buffer }> {
  const [dl]: [Download, void] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(testId).click(),
  ]);
  const path = await dl.path();
  const bytes = readFileSync(path);
  return { name: dl.suggestedFilename(), text: bytes.toString('utf8'), bytes };
}

// WASM (threads) for the analysis tests: deterministic and fast enough on CI's CPUs, where WebGPU
// would run on the SwiftShader software adapter.
const APP = '/?backend=wasm';

test.describe('analysis with the shipped models', () => {
  test.skip(!manifest, NO_MODELS_MESSAGE);
  test.skip(!hasData(), NO_DATA_MESSAGE);
  test.skip(!hasSeg, 'skipped: no segmentation model is shipped (public/models/seg)');

  test('Herlev-SD cell: its nucleus outlined, probabilities sum to 1', async ({ page }) => {
    const testGroups = unitsOf(loadSplit('herlev-sd'), 'test');
    const sample = herlevSamples()
      .filter((s) => testGroups.has(s.group))
      .sort((a, b) => a.id.localeCompare(b.id))[0];
    await page.goto(APP);
    await waitForEngine(page);
    await page.getByTestId('file-input').setInputFiles(sample.imagePath);
    expect(await waitForImage(page)).toBe('done');
    await expect(page.locator('.viewer-title .badge')).toHaveText('single cell');
    // The centred cell's nucleus, plus any neighbours' nuclei cut by the frame.
    expect(Number(await page.getByTestId('nucleus-count').textContent())).toBeGreaterThanOrEqual(1);
    expect(await overlayPixelCount(page)).toBeGreaterThan(20);
    // Issue 12: the mode came from the content and the scale from the coarse pass, and both show.
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    await expect(page.getByTestId('diag-scale')).toHaveAttribute('data-scale-source', 'auto');
    await expect(page.getByTestId('diag-scale')).toContainText('cell mode');
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    if (!hasCls) {
      test.info().annotations.push({
        type: 'note',
        description: 'no classifier shipped: probabilities not checked',
      });
      return;
    }
    // A single-cell result is selected automatically: the chart is on screen without a click.
    const chart = page.getByTestId('class-probabilities');
    await expect(chart).toBeVisible();
    const probs = await chart
      .locator('li')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-probability'))));
    expect(probs).toHaveLength(6);
    for (const p of probs) expect(p).toBeGreaterThanOrEqual(0);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  test('Herlev cell (test split): classified into the 7 Herlev classes with a Bethesda category', async ({
    page,
  }) => {
    test.skip(!hasHerlev(), NO_DATA_MESSAGE);
    test.skip(!hasCellCls, 'skipped: no single-cell classifier is shipped (public/models/cell)');
    test.setTimeout(120_000);
    const testGroups = new Set(loadSplit('herlev').parts.test);
    const cell = herlevCells()
      .filter((c) => testGroups.has(c.group) && c.herlevClass === 'light_dysplastic')
      .sort((a, b) => a.id.localeCompare(b.id))[0];
    await page.goto(APP);
    await waitForEngine(page);
    await page.getByTestId('file-input').setInputFiles(cell.imagePath);
    expect(await waitForImage(page)).toBe('done');
    await expect(page.locator('.viewer-title .badge')).toHaveText('single cell');
    // The primary nucleus is selected automatically: both charts are on screen without a click.
    const chart = page.getByTestId('herlev-probabilities');
    await expect(chart).toBeVisible();
    const rows = await chart.locator('li').evaluateAll((els) =>
      els.map((e) => ({
        name: e.getAttribute('data-class'),
        p: Number(e.getAttribute('data-probability')),
      })),
    );
    expect(rows.map((r) => r.name)).toEqual([...HERLEV_CLASSES]);
    expect(rows.reduce((a, r) => a + r.p, 0)).toBeCloseTo(1, 4);
    await expect(page.getByTestId('bethesda-category')).toHaveText(/^(NILM|LSIL|HSIL)$/);
    // The old "not validated" caveat is gone; the measured Herlev figures are shown instead.
    await expect(page.locator('.warnings')).not.toContainText('not validated');
    await expect(page.locator('.warnings')).toContainText('Herlev test');
  });

  test('CRIC field: nuclei found at the labelled points; every export downloads with the right rows', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    // The test-split field with the most labelled nuclei (deterministic choice).
    const [field, points] = mostLabelledTestField();

    await page.goto(APP);
    await waitForEngine(page);
    await page.getByTestId('file-input').setInputFiles(cricFieldPath(field));
    // While it runs, the stage shows in the progress bar and the status line (a field takes
    // seconds, most of it finding nuclei); it is gone once the result is in.
    await expect(page.getByTestId('stage-progress')).toContainText(/Finding nuclei|Classifying/);
    await expect(page.getByTestId('status')).toContainText(/— (finding nuclei|classifying)…/);
    expect(await waitForImage(page, 200_000)).toBe('done');
    await expect(page.getByTestId('stage-progress')).toHaveCount(0);
    await expect(page.locator('.viewer-title .badge')).toHaveText('field');
    const count = Number(await page.getByTestId('nucleus-count').textContent());
    expect(await overlayPixelCount(page)).toBeGreaterThan(count * 20);

    // Clicking a nucleus shows its measurements (and probabilities when a classifier is shipped).
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('n');
    await expect(page.locator('.nucleus-panel h2')).toContainText('Nucleus #');
    if (hasCls) {
      const probs = await page
        .getByTestId('class-probabilities')
        .locator('li')
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-probability'))));
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }

    // JSON report: the polygons, to check them against CRIC's labelled nucleus centres.
    const report = JSON.parse((await downloadText(page, 'export-json')).text) as {
      images: { nucleusCount: number; nuclei: { contour: [number, number][] }[] }[];
    };
    expect(report.images[0].nucleusCount).toBe(count);
    const hit = points.filter((p) =>
      report.images[0].nuclei.some((n) => pointInPolygon(p.x, p.y, n.contour)),
    ).length;
    const recall = hit / points.length;
    const metric = `${field}: ${count} nuclei found, ${hit}/${points.length} labelled points inside a nucleus (recall ${recall.toFixed(2)})`;
    console.log(`[e2e] CRIC field ${metric}`);
    test.info().annotations.push({
      type: 'metric',
      description: `${field}: ${count} nuclei found, ${hit}/${points.length} labelled points inside a nucleus (recall ${recall.toFixed(2)})`,
    });
    // CRIC labels only some nuclei, so only a lower bound on the count is meaningful; the upper
    // bound catches a runaway (e.g. background speckle split into hundreds of objects).
    expect(count).toBeGreaterThanOrEqual(Math.ceil(points.length * 0.5));
    expect(count).toBeLessThan(points.length * 15 + 100);
    expect(recall).toBeGreaterThanOrEqual(0.5);

    const csv = await downloadText(page, 'export-csv');
    expect(csv.name).toMatch(/\.csv$/);
    const lines = csv.text.trim().split(/\r?\n/);
    expect(lines[0].split(',')).toEqual(
      expect.arrayContaining(['image', 'nucleus_id', 'area_um2', 'p_NILM', 'p_SCC']),
    );
    expect(lines).toHaveLength(count + 1);

    const geo = JSON.parse((await downloadText(page, 'export-geojson')).text) as {
      type: string;
      features: { geometry: { type: string; coordinates: number[][][] } }[];
    };
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features).toHaveLength(count);
    for (const f of geo.features) {
      expect(f.geometry.type).toBe('Polygon');
      const ring = f.geometry.coordinates[0];
      expect(ring[0]).toEqual(ring[ring.length - 1]);
    }

    const png = await downloadText(page, 'export-png');
    expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    const [w, h] = [png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)];
    const size = await page
      .getByTestId('image-canvas')
      .evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
    expect([w, h]).toEqual(size);
  });

  test('a batch can be cancelled, and the app keeps working', async ({ page }) => {
    test.setTimeout(180_000);
    const fields = [...new Set(readCricCells().map((c) => c.field))].sort().slice(0, 3);
    await page.goto(APP);
    await waitForEngine(page);
    await page.getByTestId('file-input').setInputFiles(fields.map((f) => cricFieldPath(f)));
    await expect(page.getByTestId('cancel')).toBeVisible();
    await page.getByTestId('cancel').click();
    const rows = page.getByTestId('results-table').locator('tbody tr');
    await expect(rows).toHaveCount(3);
    await expect(rows.filter({ hasText: 'Cancelled' }).first()).toBeVisible();
    await expect(page.getByTestId('cancel')).toHaveCount(0);
    // The engine comes back (possibly in a fresh worker) and the next image is analysed.
    const sample = herlevSamples()[0];
    await page.getByTestId('file-input').setInputFiles(sample.imagePath);
    expect(await waitForImage(page)).toBe('done');
  });

  test('analysing again does not leak tfjs tensors', async ({ page }) => {
    test.setTimeout(180_000);
    const sample = herlevSamples()[0];
    await page.goto(APP);
    await waitForEngine(page);
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    const tensors = page.getByTestId('tensor-count');
    const after: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.getByTestId('file-input').setInputFiles(sample.imagePath);
      expect(await waitForImage(page)).toBe('done');
      await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'done');
      await page.getByRole('button', { name: 'refresh' }).click();
      await expect(tensors).not.toHaveAttribute('data-value', '');
      after.push(Number(await tensors.getAttribute('data-value')));
    }
    // The model weights stay; each analysis must dispose everything it created.
    expect(after[2]).toBe(after[0]);
    expect(after[1]).toBe(after[0]);
  });
});
