// Writes the generated bad-input corpus (tests/support/bad-inputs.ts) to a folder, for the
// browser e2e and for trying the app or `paplens analyze` by hand. Nothing binary is committed.
// Usage: npx tsx scripts/make-bad-corpus.ts [OUT_DIR=test-results/bad-inputs]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { badInputCases } from '../tests/support/bad-inputs';

const out = process.argv[2] ?? join('test-results', 'bad-inputs');
mkdirSync(out, { recursive: true });
const index = badInputCases().map((c) => {
  writeFileSync(join(out, c.file), c.bytes);
  return { name: c.name, file: c.file, error: c.error ? c.error.source : null };
});
writeFileSync(join(out, 'index.json'), JSON.stringify(index, null, 1));
console.log(`wrote ${index.length} cases to ${out}`);
