/**
 * The first image after opening the app, as a returning user meets it (issue 13). The benches
 * (browser-bench.ts, browser-ab.ts) time images after a warm-up with every helper worker running;
 * a user's first image comes right after the page opened, while the tile/CNN helpers may still be
 * starting and the analysis worker's own networks have not yet run at the image's shapes.
 *
 * Each round opens the app afresh in one browser context per build (models already cached: a
 * returning visit; one untimed first visit per context fills the caches), waits until the engine
 * is ready, then `--idle-s` more seconds, and analyses the field twice: `first` and `second`
 * (warm). With `--other DIR`, two builds (A = this checkout's dist/, B = DIR) are measured in the
 * same rounds, the order alternating, so both see the same minutes of the machine.
 *
 *   npm run build
 *   npx tsx scripts/first-image.ts [--other DIR] [--rounds 6] [--idle-s 0,20] [--field FILE]
 *                                  [--drag-ms N] [--backend wasm] [--query K=V[&K=V]] [--json FILE]
 *
 * `--drag-ms N`: the file is first dragged over the page for N ms (a dragenter, then the drop
 * through the file input), as a user drags a file in.
 *
 * Default field: the dense bench field (the densest CRIC test field, 218 objects; a synthetic
 * field of the same density without ../shared). Times: `wall` = the results table's time, from
 * the file input to the result (decode included: what the user waits for); `total` = the
 * pipeline's own total (AnalysisResult.timings, what the other benches report).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { DENSE_BENCH_FIELD } from '../src/cli/bench-inputs';
import { quantile } from '../src/cli/field-bench';
import { cricFieldPath } from '../src/data/datasets';
import { hasData, REPO_ROOT } from '../src/data/paths';
import { analyseOnce, benchInputs, waitEngine, writeReport } from './app-page';
import { pairedPorts, startAppServer } from './app-server';

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    'idle-s': { type: 'string', default: '0,20' },
    field: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    port: { type: 'string', default: '4189' },
    query: { type: 'string' },
    json: { type: 'string' },
    'drag-ms': { type: 'string', default: '0' },
  },
});
const dragMs = Number(values['drag-ms']);
const sides = values.other ? (['A', 'B'] as const) : (['A'] as const);
type Side = 'A' | 'B';
const dists: Partial<Record<Side, string>> = { A: join(REPO_ROOT, 'dist') };
if (values.other) dists.B = resolve(values.other);
for (const d of Object.values(dists))
  if (!existsSync(join(d, 'index.html'))) throw new Error(`${d}/index.html is missing: build it`);
const idles = values['idle-s'].split(',').map(Number);
if (idles.some((s) => !Number.isFinite(s) || s < 0)) throw new Error('--idle-s: seconds ≥ 0');
const rounds = Number(values.rounds);
const LIMIT_MS = 180_000;
const load = (): number => loadavg()[0];

const work = mkdtempSync(join(tmpdir(), 'paplens-first-image-'));
const field =
  values.field ??
  (hasData() ? cricFieldPath(DENSE_BENCH_FIELD.field) : (await benchInputs(work)).field);

const ports: Record<Side, string> = pairedPorts(values.port);
const base = (s: Side): string => `http://127.0.0.1:${ports[s]}`;
const url = (s: Side): string =>
  `${base(s)}/?${[`backend=${values.backend}`, values.query].filter(Boolean).join('&')}`;
const servers = await Promise.all(sides.map((s) => startAppServer(ports[s], base(s), dists[s])));
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });

interface Sample {
  round: number;
  side: Side;
  idle_s: number;
  /** From navigation to "engine ready". */
  ready_ms: number;
  first: { wall: number; total: number; stages: Record<string, number> };
  second: { wall: number; total: number; stages: Record<string, number> };
  load: number;
}
const samples: Sample[] = [];
const errors: string[] = [];
try {
  const contexts = {} as Record<Side, BrowserContext>;
  for (const s of sides) {
    contexts[s] = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    // The untimed first visit: downloads the models into this context's caches.
    const page = await contexts[s].newPage();
    await page.goto(url(s));
    await waitEngine(page);
    await page.close();
  }
  const load0 = load();
  for (let r = 0; r < rounds; r++)
    for (const idle of idles) {
      const order: Side[] = r % 2 === 0 ? [...sides] : [...sides].reverse();
      for (const s of order) {
        const page = await contexts[s].newPage();
        page.on('pageerror', (e) => errors.push(`${s}: ${e.message}`));
        const t0 = Date.now();
        await page.goto(url(s));
        await waitEngine(page);
        const ready = Date.now() - t0;
        const backend = await page.getByTestId('backend').getAttribute('data-backend');
        if (backend !== values.backend)
          throw new Error(`${s}: asked for ${values.backend}, the app runs ${backend}`);
        // Open, as the other benches do, so the stage timings can be read after each image.
        await page.getByRole('button', { name: 'Diagnostics' }).click();
        if (idle > 0) await page.waitForTimeout(idle * 1000);
        if (dragMs > 0) {
          // The file is dragged over the page for this long before it is dropped.
          const drag = await page.evaluateHandle(() => {
            const dt = new DataTransfer();
            dt.items.add(new File(['x'], 'field.jpg', { type: 'image/jpeg' }));
            return dt;
          });
          await page.dispatchEvent('body', 'dragenter', { dataTransfer: drag });
          await page.waitForTimeout(dragMs);
          await page.dispatchEvent('body', 'dragleave', { dataTransfer: drag });
        }
        const one = await analyseOnce(page, field, 0, LIMIT_MS);
        const two = await analyseOnce(page, field, 1, LIMIT_MS);
        await page.close();
        const sample: Sample = {
          round: r + 1,
          side: s,
          idle_s: idle,
          ready_ms: ready,
          first: { wall: one.app, total: one.stages.total ?? NaN, stages: one.stages },
          second: { wall: two.app, total: two.stages.total ?? NaN, stages: two.stages },
          load: load(),
        };
        samples.push(sample);
        console.log(
          `[round ${r + 1}/${rounds}, idle ${idle} s] ${s}: ready ${ready} ms; first ${one.app.toFixed(0)} ms ` +
            `(total ${sample.first.total.toFixed(0)}), second ${two.app.toFixed(0)} ms ` +
            `(total ${sample.second.total.toFixed(0)}); load ${sample.load.toFixed(2)}`,
        );
      }
    }
  const med = (v: number[]): number => quantile(v, 0.5);
  const summary = sides.flatMap((s) =>
    idles.map((idle) => {
      const mine = samples.filter((x) => x.side === s && x.idle_s === idle);
      return {
        side: s,
        idle_s: idle,
        n: mine.length,
        ready_ms: med(mine.map((x) => x.ready_ms)),
        first_wall_ms: med(mine.map((x) => x.first.wall)),
        first_total_ms: med(mine.map((x) => x.first.total)),
        second_wall_ms: med(mine.map((x) => x.second.wall)),
        second_total_ms: med(mine.map((x) => x.second.total)),
        first_minus_second_ms: med(mine.map((x) => x.first.wall - x.second.wall)),
      };
    }),
  );
  console.log(
    `\nfield ${field}; medians over ${rounds} rounds; load ${load0.toFixed(2)} → ${load().toFixed(2)}`,
  );
  for (const x of summary)
    console.log(
      `${x.side} (${dists[x.side]}), idle ${x.idle_s} s: ready ${x.ready_ms.toFixed(0)} ms; ` +
        `first ${x.first_wall_ms.toFixed(0)} ms (total ${x.first_total_ms.toFixed(0)}); ` +
        `second ${x.second_wall_ms.toFixed(0)} ms (total ${x.second_total_ms.toFixed(0)}); ` +
        `first − second ${x.first_minus_second_ms.toFixed(0)} ms`,
    );
  if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
  if (values.json)
    writeReport(values.json, {
      chromium: browser.version(),
      dists,
      field,
      query: values.query ?? null,
      load: [load0, load()],
      summary,
      samples,
      errors,
    });
} finally {
  await browser.close();
  for (const s of servers) s.kill();
}
