// Regenerates data/splits/*.json from ../shared/data. Deterministic: same data + seed → same files.
// Usage: npx tsx scripts/make-splits.ts
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CLASSES, herlevSamples, isbiSamples, readCricCells } from '../src/data/datasets';
import { herlevCells } from '../src/data/cell-manifest';
import {
  PARTS,
  splitPath,
  splitUnits,
  stratifiedFieldSplit,
  stratifiedPinnedSplit,
  type Part,
  type SplitFile,
} from '../src/data/splits';
import { HERLEV_CLASSES } from '../src/core/herlev';

const SEED = 20261126;

function write(file: SplitFile): void {
  const p = splitPath(file.dataset as 'herlev-sd' | 'isbi2014' | 'cric' | 'herlev');
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, JSON.stringify(file, null, 1) + '\n');
  const sizes = Object.entries(file.parts).map(([k, v]) => `${k}=${v.length}`);
  console.log(`${file.dataset}: ${sizes.join(' ')}`);
}

const groups = [...new Set(herlevSamples().map((s) => s.group))];
const herlevSd: SplitFile = {
  dataset: 'herlev-sd',
  unit: 'group',
  seed: SEED,
  method: 'shuffle groups, 70/10/20',
  parts: splitUnits(groups, [0.7, 0.1, 0.2], SEED),
};
write(herlevSd);

// Full Herlev (7 classes): the Herlev-SD groups keep their part (its test cells stay test).
const pinned = new Map<string, Part>();
for (const p of PARTS) for (const g of herlevSd.parts[p]) pinned.set(g, p);
const cellsByGroup = new Map<string, string[]>();
for (const c of herlevCells())
  cellsByGroup.set(c.group, [...(cellsByGroup.get(c.group) ?? []), c.herlevClass]);
write({
  dataset: 'herlev',
  unit: 'group',
  seed: SEED,
  method:
    'by group, class-stratified 70/10/20 (best of 20000 seeded draws); Herlev-SD groups pinned to their herlev-sd part',
  parts: stratifiedPinnedSplit(cellsByGroup, HERLEV_CLASSES, [0.7, 0.1, 0.2], SEED, pinned),
});

// Synthetic and EDF images are split separately so each part has both kinds (EDF: 8 real images).
const syn = splitUnits(
  isbiSamples('synthetic').map((s) => s.id),
  [0.7, 0.15, 0.15],
  SEED,
);
const edf = splitUnits(
  isbiSamples('edf').map((s) => s.id),
  [0.5, 0.25, 0.25],
  SEED,
);
write({
  dataset: 'isbi2014',
  unit: 'image',
  seed: SEED,
  method: 'by image; synthetic 70/15/15 and EDF 50/25/25 shuffled separately',
  parts: {
    train: [...syn.train, ...edf.train],
    val: [...syn.val, ...edf.val],
    test: [...syn.test, ...edf.test],
  },
});

const byField = new Map<string, string[]>();
for (const c of readCricCells()) byField.set(c.field, [...(byField.get(c.field) ?? []), c.label]);
write({
  dataset: 'cric',
  unit: 'field',
  seed: SEED,
  method: 'by field, greedy class-stratified 60/20/20 (rarest classes placed first)',
  parts: stratifiedFieldSplit(byField, CLASSES, [0.6, 0.2, 0.2], SEED),
});
