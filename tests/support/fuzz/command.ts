import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../../src/data/paths';
import { runFuzz, type FuzzReport } from './harness';
import type { AnyFuzzFormat } from './mutate';

/**
 * The long fuzz runs' command line (scripts/fuzz-decode.ts, scripts/fuzz-slide.ts): --cases,
 * --seed, --<listOption> (kinds to run), --out, --json; one line per kind, each failure listed,
 * exit code 1 on any failure.
 */
export async function fuzzCommand<K extends AnyFuzzFormat>(opts: {
  kinds: readonly K[];
  listOption: string;
  defaultCases: number;
  /** What a case that ends in pixels is called in the summary ("images", "read"). */
  okLabel: string;
}): Promise<void> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: String(opts.defaultCases) },
      seed: { type: 'string', default: '1' },
      [opts.listOption]: { type: 'string', default: opts.kinds.join(',') },
      out: { type: 'string', default: join(REPO_ROOT, 'test-results', 'fuzz') },
      json: { type: 'string' },
    },
  });
  const chosen = String(values[opts.listOption]).split(',') as K[];
  for (const k of chosen)
    if (!opts.kinds.includes(k))
      throw new Error(`unknown ${opts.listOption} entry ${k} (${opts.kinds.join(', ')})`);
  const pad = Math.max(...opts.kinds.map((k) => k.length));
  const reports: FuzzReport[] = [];
  for (const format of chosen) {
    const r = await runFuzz({
      format,
      cases: Number(values.cases),
      runSeed: Number(values.seed),
      outDir: String(values.out),
    });
    reports.push(r);
    console.log(
      `${format.padEnd(pad)} ${r.cases} cases  ${r.images} ${opts.okLabel}  ${r.clearErrors} clear errors  ` +
        `${r.failures.length} failures  slowest ${r.slowestCaseMs.toFixed(0)} ms  peak RSS ${r.peakRssMb.toFixed(0)} MB  ${(r.ms / 1000).toFixed(1)} s`,
    );
    for (const f of r.failures)
      console.log(`  ${f.kind} #${f.index} ${f.seed} ${f.mutation}: ${f.message} → ${f.file}`);
  }
  if (typeof values.json === 'string') writeFileSync(values.json, JSON.stringify(reports, null, 1));
  process.exitCode = reports.some((r) => r.failures.length > 0) ? 1 : 0;
}
