import { defineConfig } from '@playwright/test';

/** Port for the e2e server; differs from `npm start`'s default so both can run at once. */
const PORT = Number(process.env.E2E_PORT ?? 4179);

export default defineConfig({
  testDir: 'e2e',
  // The machine is small and shared: one browser at a time keeps timings stable.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 30_000 },
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    acceptDownloads: true,
    viewport: { width: 1366, height: 900 },
    // Service workers are part of what we test (offline reload).
    serviceWorkers: 'allow',
    launchOptions: {
      // Debian's Chromium, never a downloaded browser.
      executablePath: process.env.PAPLENS_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    // Serves the already-built dist/ (`npm run test:e2e` builds first) with COOP/COEP + CSP.
    command: 'node scripts/serve.mjs',
    env: { PORT: String(PORT) },
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
