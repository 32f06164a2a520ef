import { expect, test } from '@playwright/test';
import { shippedModels, syntheticPng, waitForEngine, waitForImage } from './helpers';

const manifest = shippedModels();
const seg = manifest?.files.find((f) => f.path === 'seg/weights.bin');

test('a corrupt cached model file is detected, refetched, and the app still analyses', async ({
  page,
}) => {
  test.skip(!seg, 'skipped: no segmentation model shipped');
  await page.goto('/?backend=wasm');
  await waitForEngine(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
    await page.reload();
    await waitForEngine(page);
  }
  await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 60_000 });

  // Damage the cached copy in place (same size, one byte flipped): what a bad disk or an
  // interrupted write leaves behind.
  const corrupted = await page.evaluate(async () => {
    for (const name of await caches.keys()) {
      if (!name.startsWith('paplens-models-')) continue;
      const cache = await caches.open(name);
      for (const req of await cache.keys()) {
        if (!req.url.endsWith('/models/seg/weights.bin')) continue;
        const res = await cache.match(req);
        const bytes = new Uint8Array(await res!.arrayBuffer());
        bytes[1000] ^= 0xff;
        await cache.put(req, new Response(bytes, { headers: res!.headers }));
        return true;
      }
    }
    return false;
  });
  expect(corrupted, 'seg/weights.bin was in the model cache').toBe(true);

  await page.reload();
  await waitForEngine(page);
  // Every model loaded (no partial/missing banner) and analysis works on a new image.
  await expect(page.getByTestId('model-partial')).toHaveCount(0);
  await expect(page.getByTestId('model-missing')).toHaveCount(0);
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'after-repair.png', mimeType: 'image/png', buffer: syntheticPng() });
  expect(await waitForImage(page)).toBe('done');

  // The cache now holds an intact copy again (refetched from the server).
  const digest = await page.evaluate(async () => {
    for (const name of await caches.keys()) {
      if (!name.startsWith('paplens-models-')) continue;
      const res = await (await caches.open(name)).match('/models/seg/weights.bin');
      if (!res) continue;
      const d = await crypto.subtle.digest('SHA-256', await res.arrayBuffer());
      return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
    }
    return null;
  });
  expect(digest).toBe(seg!.sha256);
});
