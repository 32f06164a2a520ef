/**
 * How many outlined objects the shipped Other gate settles before the classifier (issue 13,
 * src/core/pipeline/gate-first.ts): P(Other) from morphometrics alone over every object of the
 * cached field analyses (`scripts/dump-fields.ts`), at several thresholds.
 *   npx tsx scripts/gate-first-share.ts [--cache .cache/fields]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { morphVector, otherProbability, parseScreenModel } from '../src/core/classify/other-gate';
import type { AnalysisResult } from '../src/core/types';
import { REPO_ROOT } from '../src/data/paths';

const { values } = parseArgs({
  options: { cache: { type: 'string', default: join(REPO_ROOT, '.cache', 'fields') } },
});
const screen = parseScreenModel(
  JSON.parse(readFileSync(join(REPO_ROOT, 'public/models/screen/model.json'), 'utf8')),
);
const zeros = new Float32Array(screen.fusedDim);
const qs: number[] = [];
for (const f of readdirSync(values.cache!).filter((f) => f.endsWith('.json'))) {
  const r = JSON.parse(readFileSync(join(values.cache!, f), 'utf8')) as AnalysisResult;
  for (const n of r.nuclei)
    qs.push(otherProbability(screen, zeros, morphVector(n.morphometrics, r.scale)));
}
console.log(`objects ${qs.length}`);
for (const t of [0.5, 0.7, 0.9])
  console.log(
    `P(Other) > ${t}: ${((100 * qs.filter((q) => q > t).length) / qs.length).toFixed(1)} %`,
  );
