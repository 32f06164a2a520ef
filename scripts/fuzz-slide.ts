/**
 * Long slide-reader fuzz run (issue 14): `npx tsx scripts/fuzz-slide.ts [--cases N] [--seed S]
 * [--kinds slide-jpeg,slide-lzw,slide-deflate] [--out DIR] [--json FILE]`. Same harness as the CI
 * test (tests/fuzz-slide.test.ts), N cases per kind (default 5,000): each mutated slide is
 * probed, opened and read at every level (edges included), as an analysis tile and as a gallery
 * crop. Exit 1 on any failure; offending slides are written to --out (default test-results/fuzz).
 */
import { fuzzCommand } from '../tests/support/fuzz/command';
import { SLIDE_FUZZ_KINDS } from '../tests/support/fuzz/slide-seeds';

await fuzzCommand({
  kinds: SLIDE_FUZZ_KINDS,
  listOption: 'kinds',
  defaultCases: 5000,
  okLabel: 'read',
});
