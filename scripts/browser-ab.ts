/**
 * Paired A/B of two builds of the app in one headless Debian Chromium (issue 13). Separate runs
 * of the same build moved the 41-field median by up to 0.45 s on this shared machine — more than
 * the changes being measured. Here both builds are open at once, each on its own port (origin,
 * caches, workers): A = this checkout's dist/, B = `--other DIR`. Every input is analysed in one
 * and then the other, the order alternating, so both see the same minutes of the machine; the
 * report gives each side's median and the paired difference B − A (median, and how many inputs B
 * was faster on). Times are the app's own `total` (AnalysisResult.timings).
 *
 *   npm run build   # here and in the other checkout
 *   npx tsx scripts/browser-ab.ts --other ../base/dist [--fields DIR|default [--limit N]]
 *                                 [--runs 10] [--backend wasm] [--query K=V[&K=V]]
 *                                 [--query-b K=V[&K=V]] [--json FILE]
 *
 * Without --fields: the bench cell of scripts/browser-bench.ts, --runs times on each side.
 * `--query` adds URL parameters on both sides, e.g. `segWorkers=0` (no tile workers, as on a
 * device with under 4 GB of memory); `--query-b` on B only (one build against itself with
 * another setting: `--other dist --query-b segWorkers=0`).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { quantile } from '../src/cli/field-bench';
import { REPO_ROOT } from '../src/data/paths';
import {
  analyseOnce,
  benchInputs,
  fieldList,
  waitEngine,
  waitForHelpers,
  writeReport,
} from './app-page';
import { pairedPorts, startAppServer } from './app-server';

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    fields: { type: 'string' },
    limit: { type: 'string' },
    runs: { type: 'string', default: '10' },
    backend: { type: 'string', default: 'wasm' },
    port: { type: 'string', default: '4189' },
    json: { type: 'string' },
    query: { type: 'string' },
    'query-b': { type: 'string' },
  },
});
if (!values.other) throw new Error('--other DIR (the other build’s dist/) is required');
const dists = { A: join(REPO_ROOT, 'dist'), B: resolve(values.other) };
for (const d of Object.values(dists))
  if (!existsSync(join(d, 'index.html'))) throw new Error(`${d}/index.html is missing: build it`);
const LIMIT_MS = 180_000;
const load = (): number => loadavg()[0];

const fieldMode = values.fields !== undefined;
const work = mkdtempSync(join(tmpdir(), 'paplens-browser-ab-'));
const inputs = fieldMode
  ? fieldList(values.fields!, values.limit)
  : Array<string>(Number(values.runs)).fill((await benchInputs(work)).cell);

const sides = ['A', 'B'] as const;
type Side = (typeof sides)[number];
const ports: Record<Side, string> = pairedPorts(values.port);
const base = (s: Side): string => `http://127.0.0.1:${ports[s]}`;
const servers = [
  await startAppServer(ports.A, base('A'), dists.A),
  await startAppServer(ports.B, base('B'), dists.B),
];
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });

interface Opened {
  page: Page;
  /** Results-table rows so far (analyseOnce reads the row by index). */
  rows: number;
  helpers: string;
}
const opened = {} as Record<Side, Opened>;
const errors: string[] = [];
try {
  for (const s of sides) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${s}: ${e.message}`));
    const extra = [values.query, s === 'B' ? values['query-b'] : undefined].filter(Boolean);
    await page.goto(`${base(s)}/?${[`backend=${values.backend}`, ...extra].join('&')}`);
    await waitEngine(page);
    const backend = await page.getByTestId('backend').getAttribute('data-backend');
    if (backend !== values.backend)
      throw new Error(`${s}: asked for ${values.backend}, the app runs ${backend}`);
    await page.getByRole('button', { name: 'Diagnostics' }).click();
    opened[s] = { page, rows: 0, helpers: await waitForHelpers(page) };
    // One untimed warm-up each (and the mode setting appears once an image is there).
    await analyseOnce(page, inputs[0], opened[s].rows++, LIMIT_MS);
    if (fieldMode) await page.getByTestId('mode-setting').selectOption('field');
    console.log(`[${s}] ${dists[s]}: tile workers ${opened[s].helpers}`);
  }

  const load0 = load();
  const rows: { input: string; A: number; B: number; first: Side }[] = [];
  for (const [i, file] of inputs.entries()) {
    const order: Side[] = i % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    const t = {} as Record<Side, number>;
    for (const s of order) {
      const o = opened[s];
      const r = await analyseOnce(o.page, file, o.rows++, LIMIT_MS);
      t[s] = r.stages.total ?? Number.NaN;
    }
    rows.push({ input: file.split('/').pop() ?? file, A: t.A, B: t.B, first: order[0] });
    console.log(
      `[${i + 1}/${inputs.length}] ${rows[i].input}: A ${t.A.toFixed(0)} ms, B ${t.B.toFixed(0)} ms (${order[0]} first)`,
    );
  }
  const median = (v: number[]): number => quantile(v, 0.5);
  const diffs = rows.map((r) => r.B - r.A);
  const summary = {
    inputs: rows.length,
    median_A_ms: median(rows.map((r) => r.A)),
    median_B_ms: median(rows.map((r) => r.B)),
    median_paired_diff_ms: median(diffs),
    mean_paired_diff_ms: diffs.reduce((a, b) => a + b, 0) / diffs.length,
    b_faster: diffs.filter((d) => d < 0).length,
    load: [load0, load()],
  };
  console.log(
    `\nA = ${dists.A}, B = ${dists.B}; ${fieldMode ? `${rows.length} fields` : `the bench cell × ${rows.length}`}\n` +
      `median A ${summary.median_A_ms.toFixed(0)} ms, B ${summary.median_B_ms.toFixed(0)} ms; ` +
      `B − A paired: median ${summary.median_paired_diff_ms.toFixed(0)} ms, mean ${summary.mean_paired_diff_ms.toFixed(0)} ms, ` +
      `B faster on ${summary.b_faster} of ${rows.length}; load ${summary.load.map((v) => v.toFixed(2)).join(' → ')}`,
  );
  if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
  if (values.json)
    writeReport(values.json, {
      chromium: browser.version(),
      dists,
      query: { both: values.query ?? null, B: values['query-b'] ?? null },
      helpers: { A: opened.A.helpers, B: opened.B.helpers },
      summary,
      rows,
      errors,
    });
} finally {
  await browser.close();
  for (const s of servers) s.kill();
}
