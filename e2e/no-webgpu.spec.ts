import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { syntheticPng, waitForEngine } from './helpers';

// Without --enable-unsafe-webgpu headless Chromium has no WebGPU adapter.
test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'),
  },
});

test('no WebGPU adapter: asking for WebGPU falls back to another backend and the app still works', async ({
  page,
}) => {
  await page.goto('/?backend=webgpu');
  const backend = await waitForEngine(page);
  expect(['webgl', 'wasm']).toContain(backend);
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'cell.png', mimeType: 'image/png', buffer: syntheticPng() });
  await expect(page.getByTestId('viewer')).toHaveAttribute('data-status', /^(done|viewed)$/, {
    timeout: 120_000,
  });
});
