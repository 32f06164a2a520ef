import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { doneWhenInputs, judgeDoneWhen } from './support/done-when-inputs';
import { runCli } from './support/run-cli';
import type { AnalyzeJson } from '../src/cli/commands/analyze';
import { hasHerlev } from '../src/data/cell-manifest';
import { hasData } from '../src/data/paths';

/**
 * Issue 12, "Done when", in `paplens analyze` with no option given: the inputs and the verdict of
 * tests/support/done-when-inputs.ts (figures over every test field, same code, in
 * docs/SEGMENTATION.md; the app's counterpart is e2e/scale-done-when.spec.ts).
 */
const present =
  hasData() && hasHerlev() && existsSync(join('public', 'models', 'seg', 'model.json'));
const work = mkdtempSync(join(tmpdir(), 'paplens-done-when-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!present)('issue 12 "Done when": paplens analyze, no option', () => {
  it('takes each input for what it is and outlines its nuclei', { timeout: 600_000 }, async () => {
    const inp = await doneWhenInputs(work);
    const out = join(work, 'out.json');
    const r = await runCli([
      'analyze',
      ...[inp.field, inp.crop, inp.up, inp.half, ...inp.cells].map((f) => f.path),
      '--jobs',
      '1',
      '--json',
      out,
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as AnalyzeJson;
    // No mode was given: every result says the image's content chose it.
    expect(j.images.map((i) => i.modeSource)).toEqual(j.images.map(() => 'content'));
    const { failures, summary } = judgeDoneWhen(inp, (path) =>
      j.images.find((i) => i.file === path),
    );
    console.log(`done-when: ${summary}`);
    expect(failures).toEqual([]);
  });
});
