/**
 * Long decoder fuzz run (issue 15): `npx tsx scripts/fuzz-decode.ts [--cases N] [--seed S]
 * [--formats png,jpeg,bmp,tiff] [--out DIR] [--json FILE]`. Same harness as the CI test
 * (tests/fuzz-decode.test.ts), N cases per format (default 50,000). Exit 1 on any failure; the
 * offending inputs are written to --out (default test-results/fuzz) for the corpus.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../src/data/paths';
import { runFuzz, type FuzzReport } from '../tests/support/fuzz/harness';
import { FUZZ_FORMATS, type FuzzFormat } from '../tests/support/fuzz/seeds';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '1' },
    formats: { type: 'string', default: FUZZ_FORMATS.join(',') },
    out: { type: 'string', default: join(REPO_ROOT, 'test-results', 'fuzz') },
    json: { type: 'string' },
  },
});
const formats = values.formats.split(',') as FuzzFormat[];
for (const f of formats)
  if (!FUZZ_FORMATS.includes(f))
    throw new Error(`unknown format ${f} (${FUZZ_FORMATS.join(', ')})`);

const reports: FuzzReport[] = [];
for (const format of formats) {
  const r = await runFuzz({
    format,
    cases: Number(values.cases),
    runSeed: Number(values.seed),
    outDir: values.out,
  });
  reports.push(r);
  console.log(
    `${format.padEnd(5)} ${r.cases} cases  ${r.images} images  ${r.clearErrors} clear errors  ` +
      `${r.failures.length} failures  slowest ${r.slowestCaseMs.toFixed(0)} ms  peak RSS ${r.peakRssMb.toFixed(0)} MB  ${(r.ms / 1000).toFixed(1)} s`,
  );
  for (const f of r.failures)
    console.log(`  ${f.kind} #${f.index} ${f.seed} ${f.mutation}: ${f.message} → ${f.file}`);
}
if (values.json) writeFileSync(values.json, JSON.stringify(reports, null, 1));
process.exitCode = reports.some((r) => r.failures.length > 0) ? 1 : 0;
