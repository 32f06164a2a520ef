import { expect, test } from '@playwright/test';
import { decodeImage } from '../src/core/image/decode';
import { badInputCases } from '../tests/support/bad-inputs';
import { waitForEngine, watchErrors } from './helpers';

// The Lead's generated corpus (tests/support/bad-inputs.ts): every case either opens or gives its
// one-sentence message, and the browser worker's outcome equals Node's (same decode code), with
// nothing crashing.
test('every bad-input case gives its clear message; the good ones open', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  const cases = badInputCases();
  await page.goto('/?backend=wasm');
  await waitForEngine(page);
  await page.getByTestId('file-input').setInputFiles(
    cases.map((c) => ({
      name: c.file,
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(c.bytes),
    })),
  );
  const rows = page.getByTestId('results-table').locator('tbody tr');
  await expect(rows).toHaveCount(cases.length);
  // Wait until no image is waiting or being worked on.
  await expect(
    page.locator(
      '[data-testid="results-table"] tbody tr[data-status="queued"], [data-testid="results-table"] tbody tr[data-status="decoding"], [data-testid="results-table"] tbody tr[data-status="analysing"]',
    ),
  ).toHaveCount(0, { timeout: 150_000 });
  for (const [i, c] of cases.entries()) {
    let nodeError: string | null = null;
    try {
      await decodeImage(c.bytes);
    } catch (e) {
      nodeError = (e as Error).message;
    }
    const row = rows.nth(i);
    await expect(row.locator('td').first()).toHaveText(c.file);
    const status = await row.getAttribute('data-status');
    const shown = (await row.locator('td').nth(1).textContent()) ?? '';
    if (c.error) expect(nodeError, c.name).toMatch(c.error);
    if (nodeError) {
      expect(status, c.name).toBe('error');
      // Same sentence; the parenthesised library detail may differ between engines (or be
      // dropped where it is a programming-level message, see decoderDetail).
      const sentence = (m: string): string => m.split(' (')[0].replace(/\.$/, '');
      expect(sentence(shown), c.name).toBe(`Error: ${sentence(nodeError)}`);
    } else {
      expect(['done', 'viewed'], `${c.name}: ${shown}`).toContain(status);
    }
  }
  // The last failing file's message is on screen as one sentence naming the file.
  await expect(page.getByTestId('error-message')).toBeVisible();
  expect(errors).toEqual([]);
});
