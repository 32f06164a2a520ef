/**
 * Long decoder fuzz run (issue 15): `npx tsx scripts/fuzz-decode.ts [--cases N] [--seed S]
 * [--formats png,jpeg,bmp,tiff] [--out DIR] [--json FILE]`. Same harness as the CI test
 * (tests/fuzz-decode.test.ts), N cases per format (default 50,000). Exit 1 on any failure; the
 * offending inputs are written to --out (default test-results/fuzz) for the corpus.
 */
import { fuzzCommand } from '../tests/support/fuzz/command';
import { FUZZ_FORMATS } from '../tests/support/fuzz/seeds';

await fuzzCommand({
  kinds: FUZZ_FORMATS,
  listOption: 'formats',
  defaultCases: 50000,
  okLabel: 'images',
});
