import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import { cricFieldPath } from '../src/data/datasets';
import { hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { loadSplit } from '../src/data/splits';
import {
  NO_MODELS_MESSAGE,
  overlayPixelCount,
  shippedModels,
  waitForEngine,
  waitForImage,
  ships,
} from './helpers';

/**
 * Issue 11 in the app: on a CRIC field the objects the Other gate sets aside are drawn muted and
 * can be hidden, are left out of the Bethesda counts, the per-image summary and the gallery, and
 * the summary says how many were set aside.
 */
const manifest = shippedModels();
const hasScreen = ships('screen/model.json');
const APP = '/?backend=wasm';

async function download(page: Page, testId: string): Promise<string> {
  const [dl]: [Download, void] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(testId).click(),
  ]);
  return readFileSync(await dl.path()).toString('utf8');
}

interface ReportNucleus {
  label: string | null;
  abnormal: boolean;
  confidence: number | null;
  probabilities: number[] | null;
}

test.describe('Other objects in a field (shipped screen model)', () => {
  test.skip(!manifest, NO_MODELS_MESSAGE);
  test.skip(!hasData(), NO_DATA_MESSAGE);
  test.skip(!hasScreen, 'skipped: no field screening model is shipped (public/models/screen)');

  test('set aside, muted and switchable, never counted or in the gallery', async ({ page }) => {
    test.setTimeout(240_000);
    // A fixed CRIC test field (deterministic choice: the first one of the committed split).
    const field = [...loadSplit('cric').parts.test].sort()[0];
    await page.goto(APP);
    await waitForEngine(page);
    await page.getByTestId('file-input').setInputFiles(cricFieldPath(field));
    expect(await waitForImage(page, 200_000)).toBe('done');

    const report = JSON.parse(await download(page, 'export-json')) as {
      images: { nuclei: ReportNucleus[]; setAsideCount: number; abnormalCount: number }[];
    };
    const nuclei = report.images[0].nuclei;
    const other = nuclei.filter((n) => n.label === 'Other');
    expect(other.length, 'this field has objects set aside').toBeGreaterThan(0);
    for (const n of nuclei) {
      expect(typeof n.abnormal).toBe('boolean');
      // Objects the morphometric gate labels Other skip the classifier (issue 13): no split.
      if (n.probabilities === null) {
        expect(n.label).toBe('Other');
        expect(n.confidence).toBeGreaterThan(0.5);
      } else expect(n.probabilities).toHaveLength(7);
    }
    for (const n of other) expect(n.abnormal).toBe(false);
    expect(other.filter((n) => n.probabilities === null).length).toBeGreaterThan(0);
    expect(report.images[0].setAsideCount).toBe(other.length);

    // The summary says how many were set aside; the class table leaves them out.
    await expect(page.getByTestId('set-aside-count')).toHaveText(String(other.length));
    await expect(page.getByTestId('nucleus-count')).toHaveText(String(nuclei.length));
    // The status line words it the same way (it said "N nuclei found", Other included).
    await expect(page.getByTestId('status')).toHaveText(
      `Done — 1 image analysed, ${nuclei.length} objects outlined (${other.length} set aside as Other).`,
    );
    const table = page.locator('table.counts').first();
    await expect(table.locator('tr[data-class="Other"]')).toHaveCount(0);
    const counted = await table
      .locator('tr[data-class] td:nth-of-type(1)')
      .evaluateAll((tds) => tds.reduce((s, td) => s + Number(td.textContent), 0));
    expect(counted).toBe(nuclei.length - other.length);
    await expect(page.getByTestId('nucleus-count-abnormal')).toHaveText(
      String(report.images[0].abnormalCount),
    );

    // The gallery shows flagged epithelial nuclei only.
    const labels = await page
      .getByTestId('gallery')
      .locator('button')
      .evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label') ?? ''));
    expect(labels.length).toBe(Math.min(24, report.images[0].abnormalCount));
    for (const l of labels) expect(l).not.toMatch(/: Other,/);

    // The least abnormal object (P = previous, from none) is one the gate settled: the panel
    // says so instead of showing class probabilities.
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('p');
    await expect(page.getByTestId('set-aside-first')).toBeVisible();
    await expect(page.getByTestId('class-probabilities')).toHaveCount(0);
    // "Classify anyway": the classifier's split on request; it stays set aside and uncounted.
    await page.getByTestId('classify-anyway').click();
    await expect(page.getByTestId('classified-on-request')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('classified-on-request')).toContainText(
      /if it is a cell, the classifier's most likely class is (NILM|ASC-US|LSIL|ASC-H|HSIL|SCC)/,
    );
    await expect(page.getByTestId('class-probabilities')).toHaveCount(1);
    await expect(page.getByTestId('set-aside-first')).toHaveCount(0);
    await expect(page.getByTestId('set-aside-count')).toHaveText(String(other.length));
    await expect(page.getByTestId('nucleus-count-abnormal')).toHaveText(
      String(report.images[0].abnormalCount),
    );
    await page.getByTestId('viewer').focus();
    await page.keyboard.press('Escape');

    // Switching Other off removes their (muted) outlines from the overlay, and back.
    const withOther = await overlayPixelCount(page);
    await page.getByTestId('other-toggle').uncheck();
    await expect.poll(() => overlayPixelCount(page), { timeout: 10_000 }).toBeLessThan(withOther);
    await page.getByTestId('other-toggle').check();
    await expect.poll(() => overlayPixelCount(page), { timeout: 10_000 }).toBe(withOther);
  });
});
