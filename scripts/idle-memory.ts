// What stopping idle helper workers gives back (src/app/worker/idle-stop.ts): the built app in
// headless Chromium analyses the bench field (the densest CRIC test field with ../shared, else the
// synthetic one), then nothing; the PSS of all Chromium processes is read with the tile/CNN
// workers running and again once Diagnostics says they stopped.
//
//   npm run build && npx tsx scripts/idle-memory.ts [--idle-s 20] [--port 4183]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { encode } from 'fast-png';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { benchField } from '../src/cli/bench-inputs';
import { startAppServer } from './app-server';
import { descendants, pssBytes } from './proc-memory';

const { values } = parseArgs({
  options: {
    'idle-s': { type: 'string', default: '20' },
    port: { type: 'string', default: '4183' },
  },
});
const idleS = Number(values['idle-s']);
const BASE = `http://127.0.0.1:${values.port}/`;
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const pss = (): number => pssBytes(descendants(process.pid));

const { field, source } = await benchField();
const file = join(mkdtempSync(join(tmpdir(), 'paplens-idle-')), 'field.png');
writeFileSync(
  file,
  Buffer.from(encode({ width: field.width, height: field.height, data: field.data, channels: 4 })),
);
const server = await startAppServer(values.port, BASE);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`${BASE}?backend=wasm&idleWorkersS=${idleS}`);
  await page.getByRole('button', { name: 'Diagnostics' }).click();
  const tiles = page.getByTestId('seg-tile-workers');
  const refresh = page.getByTestId('diagnostics').getByRole('button', { name: 'refresh' });
  const until = async (ok: () => Promise<boolean>, what: string): Promise<void> => {
    for (let i = 0; i < 600; i++) {
      await refresh.click();
      if (await ok()) return;
      await page.waitForTimeout(250);
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  await until(
    async () =>
      (await tiles.getAttribute('data-wanted')) !== '' &&
      (await tiles.getAttribute('data-wanted')) === (await tiles.getAttribute('data-ready')) &&
      (await tiles.getAttribute('data-cnn')) !== '',
    'the helper workers',
  );
  await page.getByTestId('file-input').setInputFiles(file);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="status"]')?.getAttribute('data-state') === 'done',
    undefined,
    { timeout: 300_000 },
  );
  await page.waitForTimeout(1000);
  const running = pss();
  const workers = await tiles.innerText();
  await until(async () => (await tiles.getAttribute('data-idle')) === 'stopped', 'the idle stop');
  await page.waitForTimeout(2000);
  const stopped = pss();
  console.log(
    `${source}; ${workers}; load ${loadavg()[0].toFixed(2)}\n` +
      `PSS of all Chromium processes after the analysis: ${mib(running)}; ` +
      `after the idle stop (${idleS} s): ${mib(stopped)} (−${mib(running - stopped)})`,
  );
} finally {
  await browser.close();
  server.kill();
}
