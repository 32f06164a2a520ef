// Driving the built app in a Playwright page: what scripts/browser-bench.ts and
// scripts/browser-ab.ts share (wait for the engine and its helpers, analyse one file and read the
// app's own timings).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { encode } from 'fast-png';
import { benchField } from '../src/cli/bench-inputs';
import { listFields } from '../src/cli/field-bench';
import { cropCell } from '../src/core/image/crop-cell';
import type { RgbaImage } from '../src/core/image/types';
import { dataDir, hasData, NO_DATA_MESSAGE } from '../src/data/paths';

export function parseMs(text: string): number {
  const m = /([\d.]+)\s*(ms|s)\b/.exec(text);
  if (!m) throw new Error(`no time in "${text}"`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

export async function waitEngine(page: Page, timeout = 180_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const b = document.querySelector('[data-testid="backend"]');
      const s = document.querySelector('[data-testid="status"]');
      return (
        !!b?.getAttribute('data-backend') &&
        /^(ready|no-model|done)$/.test(s?.getAttribute('data-state') ?? '')
      );
    },
    null,
    { timeout, polling: 50 },
  );
}

/** Analyse one file; returns the app time (results table) and the pipeline's stage timings. */
export async function analyseOnce(
  page: Page,
  file: string,
  index: number,
  timeout: number,
): Promise<{ app: number; stages: Record<string, number> }> {
  await page.getByTestId('file-input').setInputFiles(file);
  const row = page.getByTestId('results-table').locator('tbody tr').nth(index);
  await page.waitForFunction(
    (i) => {
      const r = document.querySelectorAll('[data-testid="results-table"] tbody tr')[i];
      return /^(done|error|viewed)$/.test(r?.getAttribute('data-status') ?? '');
    },
    index,
    { timeout, polling: 50 },
  );
  const status = await row.getAttribute('data-status');
  if (status !== 'done') throw new Error(`analysis ended as "${status}"`);
  const app = parseMs(await row.locator('td').last().innerText());
  await row.locator('td').first().getByRole('button').click();
  const items = await page.locator('[data-testid="diagnostics"] ul.timings li').allInnerTexts();
  const stages: Record<string, number> = {};
  for (const t of items) {
    const i = t.indexOf(':');
    stages[t.slice(0, i).trim()] = parseMs(t.slice(i + 1));
  }
  return { app, stages };
}

/**
 * With the Diagnostics panel open: wait (≤ 30 s) until the tile workers the app wants are running
 * and hold the CNNs too, so the steady state is timed (they load in the background after the
 * models). Returns Diagnostics' "Segmentation tile workers" line.
 */
export async function waitForHelpers(page: Page): Promise<string> {
  const diag = page.getByTestId('diagnostics');
  const tiles = diag.getByTestId('seg-tile-workers');
  const refresh = diag.getByRole('button', { name: 'refresh' });
  for (let i = 0; i < 60; i++) {
    await refresh.click();
    const wanted = await tiles.getAttribute('data-wanted');
    // …and hold the CNNs too, when there are any (data-cnn stays empty while they load).
    if (
      wanted !== '' &&
      wanted === (await tiles.getAttribute('data-ready')) &&
      (await tiles.getAttribute('data-cnn')) !== ''
    )
      break;
    await page.waitForTimeout(500);
  }
  return tiles.innerText();
}

/** The bench cell and field as PNG files in `dir` (those of `paplens bench`). */
export async function benchInputs(
  dir: string,
): Promise<{ cell: string; field: string; source: string }> {
  const { field, cell: c, source: fieldSource } = await benchField();
  const [cx, cy] = [c.x, c.y];
  const source = `${fieldSource} and a 128×128 crop at one of its cells`;
  const png = (img: RgbaImage): Buffer =>
    Buffer.from(encode({ width: img.width, height: img.height, data: img.data, channels: 4 }));
  const cell = join(dir, 'bench-cell.png');
  const fieldPath = join(dir, 'bench-field.png');
  writeFileSync(cell, png(cropCell(field, cx, cy, 128)));
  writeFileSync(fieldPath, png(field));
  return { cell, field: fieldPath, source };
}

/** `--fields DIR|default [--limit N]`: the field images (`default`: the CRIC test split). */
export function fieldList(spec: string, limit?: string): string[] {
  let files: string[];
  if (spec === 'default') {
    if (!hasData()) throw new Error(`--fields default needs ../shared: ${NO_DATA_MESSAGE}`);
    files = listFields(join(dataDir(), 'cric', 'fields'), { name: 'cric', part: 'test' });
  } else files = listFields(spec);
  if (limit) files = files.slice(0, Number(limit));
  if (files.length === 0) throw new Error(`no field images in ${spec}`);
  return files;
}

/** A bench's JSON report (one space of indent, as the committed results). */
export function writeReport(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 1) + '\n');
}
