/**
 * Browser benchmark (issue 7): the BUILT app (dist/, served by scripts/serve.mjs with COOP/COEP,
 * so WASM gets threads) in headless Debian Chromium, once per backend (?backend= override). For
 * one 128×128 cell and one 1280×960 field: the cold first analysis plus ≥ 10 warm ones, per-stage
 * timings read from the app itself (AnalysisResult.timings in the Diagnostics panel; the "app"
 * row is the results-table time, decode + worker round trip included), shipped model bytes, peak
 * memory (sampled only during one untimed extra run of each input: the sampler slows the app),
 * and "first result with cached models" (reopen the app, analyse the cell).
 *
 *   npm run build && npx tsx scripts/browser-bench.ts [--runs 10] [--backends wasm,webgl,webgpu]
 *                                                     [--json FILE] [--field-limit-s 60]
 *                                                     [--fields DIR|default [--limit N]]
 *
 * Inputs: the cell and field of `paplens bench` (first CRIC field and a 128×128 crop around its
 * first labelled cell) when ../shared is present, else the same seeded synthetic field.
 *
 * `--fields DIR|default [--limit N]` (issue 13): as `paplens bench --fields`, in the app: after
 * one warm-up field, every field of the folder (`default` = the CRIC test-split fields) is dropped
 * in field mode once; per-field times, median, p90 and the fit time = base + cost × nuclei (the
 * same summary code, src/cli/field-bench.ts). Objects counted as the Node bench counts them (all
 * outlined, Other included).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { REPO_ROOT } from '../src/data/paths';
import { analyseOnce, benchInputs, fieldList, waitEngine, waitForHelpers } from './app-page';
import { startAppServer } from './app-server';
import { descendants, pssBytes } from './proc-memory';
import { summarizeFields, type FieldTiming } from '../src/cli/field-bench';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    backends: { type: 'string', default: 'wasm,webgl,webgpu' },
    json: { type: 'string' },
    'field-limit-s': { type: 'string', default: '60' },
    'cell-limit-s': { type: 'string', default: '30' },
    port: { type: 'string', default: '4189' },
    fields: { type: 'string' },
    limit: { type: 'string' },
    // Segmentation tile workers (the app's ?segWorkers=N; default: the app's own choice).
    'seg-workers': { type: 'string' },
    // A Chromium performance trace of the warm cell runs, or of the timed fields with --fields
    // (where the page's own time goes).
    trace: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const FIELD_LIMIT_MS = Number(values['field-limit-s']) * 1000;
const CELL_LIMIT_MS = Number(values['cell-limit-s']) * 1000;
const BASE = `http://127.0.0.1:${values.port}`;
const SEG_PARAM =
  values['seg-workers'] !== undefined ? `&segWorkers=${Number(values['seg-workers'])}` : '';
const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

interface Stats {
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
  cold_ms: number | null;
}
function stats(cold: number | null, warm: number[]): Stats {
  const s = [...warm].sort((a, b) => a - b);
  const m = s.length >> 1;
  return {
    median_ms: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2,
    min_ms: s[0],
    max_ms: s[s.length - 1],
    runs: s.length,
    cold_ms: cold,
  };
}

// ---- memory: PSS of every Chromium process started by this script (scripts/proc-memory.ts)

async function tensorMemory(page: Page): Promise<{ tensors: number; bytes: string }> {
  await page
    .locator('[data-testid="diagnostics"]')
    .getByRole('button', { name: 'refresh' })
    .click();
  const el = page.getByTestId('tensor-count');
  await page.waitForFunction(
    () => !!document.querySelector('[data-testid="tensor-count"]')?.getAttribute('data-value'),
  );
  const text = await el.innerText();
  return {
    tensors: Number(await el.getAttribute('data-value')),
    bytes: text.split(',')[1]?.trim(),
  };
}

// ---- main --------------------------------------------------------------------------------------
if (!existsSync(join(REPO_ROOT, 'dist', 'index.html')))
  throw new Error('dist/ is missing: run `npm run build` first.');
const manifest = JSON.parse(
  readFileSync(join(REPO_ROOT, 'dist', 'models', 'manifest.json'), 'utf8'),
) as { files: { bytes: number }[] };
const modelBytes = manifest.files.reduce((a, f) => a + f.bytes, 0);
const work = mkdtempSync(join(tmpdir(), 'paplens-browser-bench-'));
const files = await benchInputs(work);

const server = await startAppServer(values.port, BASE);

const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  // As the e2e suite; precise memory info makes performance.memory exact.
  args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
});
const version = browser.version();
let peakRss = 0;
// Reading every Chromium process's smaps_rollup 4× a second costs this script ~20 % of a core and
// takes each process's memory-map lock, so the sampler is off during timed runs (they would
// measure the sampler too: dense field 4.45 / 4.59 s with it vs 4.33 / 4.06 s without, A B A B);
// peak memory comes from an untimed run of each input after its timed ones.
let sampling = true;
const sampler = setInterval(() => {
  if (sampling) peakRss = Math.max(peakRss, pssBytes(descendants(process.pid)));
}, 250);

/** Timed work with the memory sampler off. */
async function timed<T>(work: () => Promise<T>): Promise<T> {
  sampling = false;
  try {
    return await work();
  } finally {
    sampling = true;
  }
}

interface BackendReport {
  requested: string;
  backend?: string;
  adapter?: string;
  /** Diagnostics' "Segmentation tile workers" line once they are running (or none). */
  seg_tile_workers?: string;
  skipped?: string;
  load_average: { start: string; end?: string };
  engine_ready_ms?: number;
  models?: string;
  cell?: Record<string, Stats>;
  field?: Record<string, Stats>;
  field_skipped?: string;
  field_nuclei?: number;
  first_result_cached_ms?: number;
  tensors_after?: { tensors: number; bytes: string };
  /** --fields: the per-field summary and rows. */
  fields?: unknown;
  js_heap_main_after_bytes?: number;
  peak_pss_all_chromium_bytes?: number;
  errors?: string[];
}
const reports: BackendReport[] = [];

/** What --trace records: Chromium's own timeline categories (tasks, JS, layout, paint, GC). */
const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'v8.execute',
  'blink',
  'cc',
  'gpu',
  'toplevel',
];

async function series(
  page: Page,
  file: string,
  startIndex: number,
  limit: number,
  /** --trace: record the warm runs into this file. */
  tracePath?: string,
): Promise<{ stats: Record<string, Stats>; next: number; skipped?: string }> {
  let cold: { app: number; stages: Record<string, number> };
  try {
    cold = await timed(() => analyseOnce(page, file, startIndex, limit * 3));
  } catch (e) {
    return {
      stats: {},
      next: startIndex + 1,
      skipped: `cold run did not finish within ${(limit * 3) / 1000} s (${(e as Error).message.split('\n')[0]})`,
    };
  }
  if (cold.app > limit)
    return {
      stats: {},
      next: startIndex + 1,
      skipped: `cold run took ${(cold.app / 1000).toFixed(1)} s (> ${limit / 1000} s limit); warm runs not attempted`,
    };
  const warm: { app: number; stages: Record<string, number> }[] = [];
  if (tracePath)
    await browser.startTracing(page, { path: tracePath, categories: TRACE_CATEGORIES });
  for (let i = 0; i < RUNS; i++)
    warm.push(await timed(() => analyseOnce(page, file, startIndex + 1 + i, limit)));
  if (tracePath) await browser.stopTracing();
  // Untimed, with the memory sampler on: the peak memory of this input.
  await analyseOnce(page, file, startIndex + 1 + RUNS, limit);
  const out: Record<string, Stats> = {};
  for (const k of Object.keys(cold.stages))
    out[k] = stats(
      cold.stages[k],
      warm.map((w) => w.stages[k] ?? NaN).filter((v) => Number.isFinite(v)),
    );
  out.app = stats(
    cold.app,
    warm.map((w) => w.app),
  );
  return { stats: out, next: startIndex + 2 + RUNS };
}

/** The folder's fields (`default`: the CRIC test split), or null without --fields. */
function fieldFiles(): string[] | null {
  return values.fields ? fieldList(values.fields, values.limit) : null;
}

/** Every field once in field mode (after a warm-up), timed by the app itself. */
async function fieldSeries(page: Page, files: string[], startIndex: number): Promise<unknown> {
  const load0 = loadavg()[0];
  await analyseOnce(page, files[0], startIndex, FIELD_LIMIT_MS * 3); // warm-up
  // The settings panel is there once an image is: every field from now on in field mode.
  await page.getByTestId('mode-setting').selectOption('field');
  const rows: FieldTiming[] = [];
  if (values.trace)
    await browser.startTracing(page, { path: values.trace, categories: TRACE_CATEGORIES });
  for (const [i, file] of files.entries()) {
    const r = await timed(() => analyseOnce(page, file, startIndex + 1 + i, FIELD_LIMIT_MS * 3));
    const nuclei = Number(await page.getByTestId('nucleus-count').first().innerText());
    // The results table's Size column ("1280×960").
    const size = await page
      .getByTestId('results-table')
      .locator('tbody tr')
      .nth(startIndex + 1 + i)
      .locator('td')
      .nth(3)
      .innerText();
    const [width, height] = size.split('×').map(Number);
    rows.push({
      file,
      width,
      height,
      nuclei,
      total_ms: r.stages.total ?? NaN,
      stages: r.stages,
    });
    console.log(
      `[${i + 1}/${files.length}] ${file.split('/').pop()}: ${nuclei} objects, ${r.stages.total?.toFixed(0)} ms (app ${r.app.toFixed(0)} ms)`,
    );
  }
  if (values.trace) await browser.stopTracing();
  const summary = summarizeFields(rows, [load0, loadavg()[0]]);
  // Untimed, with the memory sampler on: the peak memory of the field with the most objects.
  const densest = rows.reduce((a, b) => (b.nuclei > a.nuclei ? b : a));
  await analyseOnce(page, densest.file, startIndex + 1 + files.length, FIELD_LIMIT_MS * 3);
  console.log(
    `fields ${summary.fields}; median ${summary.median_ms.toFixed(0)} ms, p90 ${summary.p90_ms.toFixed(0)} ms, max ${summary.max_ms.toFixed(0)} ms; ` +
      `≈ ${summary.ms_per_field_base.toFixed(0)} ms + ${summary.ms_per_nucleus.toFixed(1)} ms per nucleus; load ${summary.load[0].toFixed(2)} → ${summary.load[1].toFixed(2)}`,
  );
  return { summary, fields: rows };
}

const fieldsToBench = fieldFiles();

for (const requested of values.backends.split(',')) {
  const rep: BackendReport = { requested, load_average: { start: load() } };
  reports.push(rep);
  peakRss = 0;
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    rep.engine_ready_ms = await timed(async () => {
      const t0 = Date.now();
      await page.goto(`${BASE}/?backend=${requested}${SEG_PARAM}`);
      await waitEngine(page);
      return Date.now() - t0;
    });
    rep.backend = (await page.getByTestId('backend').getAttribute('data-backend')) ?? '';
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    const diag = page.getByTestId('diagnostics');
    rep.adapter = await diag.locator('dt:has-text("Adapter") + dd').innerText();
    rep.models = await diag.locator('dt:text-is("Models") + dd').innerText();
    if (rep.backend !== requested) {
      rep.skipped = `asked for ${requested}, the app fell back to ${rep.backend} (${await diag.locator('dt:has-text("Fallbacks") + dd').innerText()})`;
      continue;
    }
    rep.seg_tile_workers = await waitForHelpers(page);
    console.log(
      `[${requested}] ${rep.adapter}; ${rep.models}; segmentation tile workers: ${rep.seg_tile_workers}; load ${load()}`,
    );
    if (fieldsToBench) {
      rep.fields = await fieldSeries(page, fieldsToBench, 0);
      continue;
    }
    const cell = await series(page, files.cell, 0, CELL_LIMIT_MS, values.trace);
    if (cell.skipped) {
      rep.skipped = `cell: ${cell.skipped}`;
      continue;
    }
    rep.cell = cell.stats;
    console.log(`[${requested}] cell total median ${rep.cell.total?.median_ms} ms; load ${load()}`);
    const field = await series(page, files.field, cell.next, FIELD_LIMIT_MS);
    if (field.skipped) rep.field_skipped = field.skipped;
    else rep.field = field.stats;
    console.log(
      `[${requested}] field ${field.skipped ?? `total median ${rep.field?.total?.median_ms} ms`}; load ${load()}`,
    );
    rep.tensors_after = await tensorMemory(page);
    rep.js_heap_main_after_bytes = await page.evaluate(
      () =>
        (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory
          ?.usedJSHeapSize ?? 0,
    );
    // First result with cached models: reopen the app in the same profile (Cache API and
    // service worker populated by the first visit), analyse the cell as soon as possible.
    const again = await context.newPage();
    rep.first_result_cached_ms = await timed(async () => {
      const t1 = Date.now();
      await again.goto(`${BASE}/?backend=${requested}${SEG_PARAM}`);
      await waitEngine(again);
      await analyseOnce(again, files.cell, 0, CELL_LIMIT_MS);
      return Date.now() - t1;
    });
    await again.close();
  } catch (e) {
    rep.skipped = `failed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    rep.peak_pss_all_chromium_bytes = peakRss;
    rep.load_average.end = load();
    rep.errors = errors;
    await context.close();
  }
}
clearInterval(sampler);
await browser.close();
server.kill();

const mb = (b?: number): string => (b ? `${(b / 2 ** 20).toFixed(0)} MiB` : '—');
const inputsText = fieldsToBench
  ? `${fieldsToBench.length} fields of ${values.fields === 'default' ? 'the CRIC test split' : values.fields}, each once in field mode after one warm-up`
  : `${files.source}; ${RUNS} warm runs`;
console.log(`\nChromium ${version}; inputs: ${inputsText}; shipped model bytes ${modelBytes}`);
for (const r of reports) {
  console.log(
    `\n## ${r.requested}: ${r.skipped ? `SKIPPED — ${r.skipped}` : `${r.adapter}`} (load ${r.load_average.start} → ${r.load_average.end})`,
  );
  for (const [what, st] of [
    ['cell', r.cell],
    ['field', r.field],
  ] as const) {
    if (!st) continue;
    console.table(
      Object.fromEntries(
        Object.entries(st).map(([k, s]) => [
          `${what} ${k}`,
          {
            median_ms: Math.round(s.median_ms),
            min_ms: Math.round(s.min_ms),
            max_ms: Math.round(s.max_ms),
            cold_ms: s.cold_ms === null ? null : Math.round(s.cold_ms),
            runs: s.runs,
          },
        ]),
      ),
    );
  }
  if (r.field_skipped) console.log(`field skipped: ${r.field_skipped}`);
  if (!r.skipped && fieldsToBench)
    console.log(
      `engine ready ${r.engine_ready_ms} ms (first visit); peak PSS of all Chromium processes ${mb(r.peak_pss_all_chromium_bytes)}`,
    );
  else if (!r.skipped)
    console.log(
      `engine ready ${r.engine_ready_ms} ms (first visit); first result with cached models ${r.first_result_cached_ms} ms; tensors ${r.tensors_after?.tensors} (${r.tensors_after?.bytes}); main-thread JS heap after the runs ${mb(r.js_heap_main_after_bytes)}; peak PSS of all Chromium processes (browser, renderer, GPU, worker) ${mb(r.peak_pss_all_chromium_bytes)}`,
    );
}
if (values.json)
  writeFileSync(
    values.json,
    JSON.stringify(
      { chromium: version, inputs: inputsText, model_bytes: modelBytes, runs: RUNS, reports },
      null,
      1,
    ) + '\n',
  );
