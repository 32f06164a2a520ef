/**
 * Long slide-reader fuzz run (issue 14): `npx tsx scripts/fuzz-slide.ts [--cases N] [--seed S]
 * [--kinds slide-jpeg,slide-lzw,slide-deflate] [--out DIR] [--json FILE]`. Same harness as the CI
 * test (tests/fuzz-slide.test.ts), N cases per kind (default 5,000): each mutated slide is
 * probed, opened and read at every level (edges included), as an analysis tile and as a gallery
 * crop. Exit 1 on any failure; offending slides are written to --out (default test-results/fuzz).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../src/data/paths';
import { runFuzz, type FuzzReport } from '../tests/support/fuzz/harness';
import { SLIDE_FUZZ_KINDS, type SlideFuzzKind } from '../tests/support/fuzz/slide-seeds';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    kinds: { type: 'string', default: SLIDE_FUZZ_KINDS.join(',') },
    out: { type: 'string', default: join(REPO_ROOT, 'test-results', 'fuzz') },
    json: { type: 'string' },
  },
});
const kinds = values.kinds.split(',') as SlideFuzzKind[];
for (const k of kinds)
  if (!SLIDE_FUZZ_KINDS.includes(k))
    throw new Error(`unknown kind ${k} (${SLIDE_FUZZ_KINDS.join(', ')})`);

const reports: FuzzReport[] = [];
for (const format of kinds) {
  const r = await runFuzz({
    format,
    cases: Number(values.cases),
    runSeed: Number(values.seed),
    outDir: values.out,
  });
  reports.push(r);
  console.log(
    `${format.padEnd(13)} ${r.cases} cases  ${r.images} read  ${r.clearErrors} clear errors  ` +
      `${r.failures.length} failures  slowest ${r.slowestCaseMs.toFixed(0)} ms  peak RSS ${r.peakRssMb.toFixed(0)} MB  ${(r.ms / 1000).toFixed(1)} s`,
  );
  for (const f of r.failures)
    console.log(`  ${f.kind} #${f.index} ${f.seed} ${f.mutation}: ${f.message} → ${f.file}`);
}
if (values.json) writeFileSync(values.json, JSON.stringify(reports, null, 1));
process.exitCode = reports.some((r) => r.failures.length > 0) ? 1 : 0;
