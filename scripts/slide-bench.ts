/**
 * Whole-slide benchmark in the browser (issue 14): the BUILT app (dist/, scripts/serve.mjs with
 * COOP/COEP, WASM threads) in headless Debian Chromium opens a big slide file, shows it in the
 * deep-zoom viewer (fit, then zoomed to level 0 and panned), analyses the first `--tiles` tiles
 * and is cancelled (`--tiles all`: analyses the whole slide to its summary). Reports: time to open and to draw, seconds per tile and MP/s (with the
 * projected time for the whole slide), peak memory of every Chromium process (PSS, sampled every
 * 250 ms), the main thread's JS heap, and the longest main-thread task (PerformanceObserver
 * 'longtask') over the whole run, with the slowest tasks placed by the tiles done when they ended.
 *
 *   npx tsx scripts/make-big-slide.ts --out /tmp/big-slide.tif        # 20,000 × 20,000
 *   npm run build && npx tsx scripts/slide-bench.ts --slide /tmp/big-slide.tif [--tiles 6|all]
 *       [--json FILE] [--port 4191]
 */
import { statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { startAppServer } from './app-server';
import { descendants, pssBytes } from './proc-memory';

const { values } = parseArgs({
  options: {
    slide: { type: 'string' },
    tiles: { type: 'string', default: '6' },
    json: { type: 'string' },
    port: { type: 'string', default: '4191' },
  },
});
if (!values.slide) throw new Error('--slide FILE is required (see scripts/make-big-slide.ts)');
const ALL = values.tiles === 'all';
const TILES = ALL ? Infinity : Number(values.tiles);
const BASE = `http://127.0.0.1:${values.port}`;
const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

const server = await startAppServer(values.port, BASE);

const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
});
/** Chromium's processes only (the app server is a child of this script too). */
const chromiumPids = (): number[] => {
  const skip = new Set([server.pid ?? -1, ...descendants(server.pid ?? -1)]);
  return descendants(process.pid).filter((p) => !skip.has(p));
};
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, pssBytes(chromiumPids()));
}, 250);

async function untilDrawn(page: Page, timeout = 60_000): Promise<number> {
  const t0 = Date.now();
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="slide-canvas"]')?.getAttribute('data-missing') === '0',
    null,
    { timeout, polling: 50 },
  );
  return Date.now() - t0;
}

/** Memory over the run, one sample a minute: [minutes, tiles done, PSS MB]. */
const timeline: [number, number, number][] = [];

/** Analyse the first TILES tiles, then cancel (the whole-slide time is projected). */
async function firstTiles(page: Page): Promise<Record<string, number>> {
  const progress = page.getByTestId('slide-progress');
  await page.waitForFunction(
    (n) =>
      Number(
        document.querySelector('[data-testid="slide-progress"]')?.getAttribute('data-done') ?? 0,
      ) >= n,
    TILES,
    { timeout: TILES * 180_000, polling: 200 },
  );
  const done = Number(await progress.getAttribute('data-done'));
  const total = Number(await progress.getAttribute('data-total'));
  const elapsed = Number(await progress.getAttribute('data-elapsed-ms'));
  const nuclei = Number(await progress.getAttribute('data-nuclei'));
  // Tiles are 1024² except at the right/bottom edges; the first tiles of a row are full.
  const mp = (done * 1024 * 1024) / 1e6;
  await page.getByTestId('cancel').click();
  await page.waitForSelector('[data-testid="slide-resume"]', { timeout: 30_000 });
  return {
    tiles_done: done,
    tiles_planned: total,
    nuclei,
    s_per_tile: +(elapsed / done / 1000).toFixed(2),
    mp_per_s: +(mp / (elapsed / 1000)).toFixed(3),
    projected_whole_slide_min: +(((elapsed / done) * total) / 60_000).toFixed(0),
  };
}

/** Analyse every tile to the slide summary, sampling memory and progress once a minute. */
async function wholeSlide(page: Page): Promise<Record<string, number | string>> {
  const t0 = Date.now();
  const tick = setInterval(() => {
    void page
      .evaluate(
        () =>
          document.querySelector('[data-testid="slide-progress"]')?.getAttribute('data-done') ??
          '-1',
      )
      .then((d) => {
        const row: [number, number, number] = [
          +((Date.now() - t0) / 60_000).toFixed(1),
          Number(d),
          +(pssBytes(chromiumPids()) / 2 ** 20).toFixed(0),
        ];
        timeline.push(row);
        console.log(`[${row[0]} min] tiles ${row[1]}, PSS ${row[2]} MB, load ${load()}`);
      })
      .catch(() => undefined);
  }, 60_000);
  try {
    const time = page.getByTestId('slide-time');
    await time.waitFor({ timeout: 6 * 3600_000 });
    const nuclei = await page.getByTestId('squamous-estimate').innerText();
    return { summary: await time.innerText(), squamous_estimate: nuclei };
  } finally {
    clearInterval(tick);
  }
}

const report: Record<string, unknown> = {
  slide: values.slide,
  file_mb: +(statSync(values.slide).size / 1e6).toFixed(1),
  chromium: browser.version(),
  load_start: load(),
};
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
const errors: string[] = [];
page.on('pageerror', (e) => errors.push(e.message));
try {
  await page.goto(`${BASE}/?backend=wasm`);
  await page.waitForFunction(
    () =>
      /^(ready|no-model|done)$/.test(
        document.querySelector('[data-testid="status"]')?.getAttribute('data-state') ?? '',
      ),
    null,
    { timeout: 180_000 },
  );
  report.pss_engine_ready_mb = +(pssBytes(chromiumPids()) / 2 ** 20).toFixed(0);
  await page.evaluate(() => {
    // Each long task with the tiles done when it ended, so a slow one can be placed in the run.
    const w = window as unknown as { __long: [number, number, number][] };
    w.__long = [];
    new PerformanceObserver((list) => {
      const done = Number(
        document.querySelector('[data-testid="slide-progress"]')?.getAttribute('data-done') ?? -1,
      );
      for (const e of list.getEntries())
        w.__long.push([Math.round(e.startTime), Math.round(e.duration), done]);
    }).observe({ type: 'longtask' });
  });
  const t0 = Date.now();
  await page.getByTestId('file-input').setInputFiles(values.slide);
  await page.waitForSelector('[data-testid="viewer"][data-slide="true"]', { timeout: 60_000 });
  const openMs = Date.now() - t0;
  report.open_ms = openMs;
  report.first_view_drawn_ms = openMs + (await untilDrawn(page));
  const summary = await page.getByTestId('slide-summary').locator('p').first().innerText();
  report.slide_summary = summary;
  console.log(
    `opened in ${report.open_ms} ms, drawn at ${report.first_view_drawn_ms} ms: ${summary}`,
  );

  // Zoom to level 0 about the centre, then pan: each view drawn from the tiles it needs.
  const viewer = page.getByTestId('viewer');
  await viewer.focus();
  const zoomSteps = [];
  while (Number(await viewer.getAttribute('data-zoom')) < 1) {
    await page.keyboard.press('+');
    zoomSteps.push(await untilDrawn(page));
  }
  const pans = [];
  for (const key of ['ArrowRight', 'ArrowRight', 'ArrowDown', 'ArrowDown', 'ArrowLeft']) {
    for (let i = 0; i < 10; i++) await page.keyboard.press(key);
    pans.push(await untilDrawn(page));
  }
  report.viewer = {
    zoom_steps_to_level0: zoomSteps.length,
    slowest_zoom_step_drawn_ms: Math.max(...zoomSteps),
    slowest_pan_400px_drawn_ms: Math.max(...pans),
    level: await page.getByTestId('slide-canvas').getAttribute('data-level'),
  };
  console.log(`viewer: ${JSON.stringify(report.viewer)}`);

  if (ALL) report.analysis = await wholeSlide(page);
  else report.analysis = await firstTiles(page);
  console.log(`analysis: ${JSON.stringify(report.analysis)}`);
  report.js_heap_main_mb = +(
    (await page.evaluate(
      () =>
        (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory
          ?.usedJSHeapSize ?? 0,
    )) /
    2 ** 20
  ).toFixed(0);
  const long = await page.evaluate(
    () => (window as unknown as { __long: [number, number, number][] }).__long,
  );
  const durations = long.map((l) => l[1]);
  report.longest_main_thread_task_ms = Math.max(0, ...durations);
  report.long_tasks_over_50ms = long.length;
  report.long_tasks_over_100ms = durations.filter((d) => d > 100).length;
  report.long_tasks_over_200ms = durations.filter((d) => d > 200).length;
  // [start ms since page load, duration ms, tiles done], the slowest 20.
  report.slowest_long_tasks = [...long].sort((a, b) => b[1] - a[1]).slice(0, 20);
} catch (e) {
  report.failed = (e as Error).message.split('\n')[0];
} finally {
  clearInterval(sampler);
  report.peak_pss_all_chromium_mb = +(peak / 2 ** 20).toFixed(0);
  if (timeline.length) report.pss_timeline_min_tiles_mb = timeline;
  report.load_end = load();
  report.errors = errors;
  await browser.close();
  server.kill();
}
console.log(JSON.stringify(report, null, 2));
if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
