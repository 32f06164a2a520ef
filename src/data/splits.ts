import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32, shuffle } from '../core/util/random';
import { REPO_ROOT } from './paths';

export const PARTS = ['train', 'val', 'test'] as const;
export type Part = (typeof PARTS)[number];

/** A committed split: which units (Herlev groups, ISBI images, CRIC fields) belong to each part. */
export interface SplitFile {
  dataset: string;
  unit: 'group' | 'image' | 'field';
  seed: number;
  method: string;
  parts: Record<Part, string[]>;
}

export const SPLIT_NAMES = ['herlev-sd', 'isbi2014', 'cric', 'herlev'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

export function splitPath(name: SplitName): string {
  return join(REPO_ROOT, 'data', 'splits', `${name}.json`);
}

export function loadSplit(name: SplitName): SplitFile {
  const p = splitPath(name);
  if (!existsSync(p)) throw new Error(`split file not found: ${p}`);
  return JSON.parse(readFileSync(p, 'utf8')) as SplitFile;
}

/** Units of one part as a Set for filtering. */
export function unitsOf(split: SplitFile, part: Part): Set<string> {
  return new Set(split.parts[part]);
}

/** Assign shuffled units to parts by target fractions (largest remainder). */
export function splitUnits(
  units: string[],
  fractions: [number, number, number],
  seed: number,
): Record<Part, string[]> {
  const order = shuffle([...units].sort(), mulberry32(seed));
  const n = order.length;
  const nTest = Math.max(1, Math.round(n * fractions[2]));
  const nVal = Math.max(1, Math.round(n * fractions[1]));
  return {
    test: order.slice(0, nTest).sort(),
    val: order.slice(nTest, nTest + nVal).sort(),
    train: order.slice(nTest + nVal).sort(),
  };
}

/**
 * Field-level split stratified by class. CRIC's abnormal classes come from only 8–13 fields,
 * often with most cells in one field, so a greedy pass can starve a part. Instead: draw many
 * seeded random field assignments with the target field counts, keep only those giving every
 * class at least one field in every part, and take the one whose per-class cell shares are
 * closest to the targets.
 */
export function stratifiedFieldSplit(
  cellsByField: Map<string, string[]>,
  classes: readonly string[],
  fractions: [number, number, number],
  seed: number,
  trials = 20000,
): Record<Part, string[]> {
  const rand = mulberry32(seed);
  const fields = [...cellsByField.keys()].sort();
  const counts = fields.map((f) =>
    classes.map((c) => cellsByField.get(f)!.filter((l) => l === c).length),
  );
  const totals = classes.map((_, k) => counts.reduce((a, r) => a + r[k], 0));
  const nTest = Math.round(fields.length * fractions[2]);
  const nVal = Math.round(fields.length * fractions[1]);
  const target = [fractions[0], fractions[1], fractions[2]];
  let best: number[] | null = null;
  let bestScore = Infinity;
  const idx = fields.map((_, i) => i);
  for (let t = 0; t < trials; t++) {
    shuffle(idx, rand);
    const part = new Array<number>(fields.length);
    idx.forEach((fi, j) => (part[fi] = j < nTest ? 2 : j < nTest + nVal ? 1 : 0));
    let score = 0;
    let ok = true;
    for (let k = 0; k < classes.length && ok; k++) {
      const cells = [0, 0, 0];
      const nf = [0, 0, 0];
      for (let i = 0; i < fields.length; i++) {
        if (counts[i][k] > 0) {
          cells[part[i]] += counts[i][k];
          nf[part[i]]++;
        }
      }
      if (totals[k] > 0 && (nf[0] === 0 || nf[1] === 0 || nf[2] === 0)) ok = false;
      for (let p = 0; p < 3; p++) score += (cells[p] / Math.max(totals[k], 1) - target[p]) ** 2;
    }
    if (ok && score < bestScore) {
      bestScore = score;
      best = part;
    }
  }
  if (!best)
    throw new Error('no split gives every class a field in every part; lower the number of parts');
  const out: Record<Part, string[]> = { train: [], val: [], test: [] };
  fields.forEach((f, i) => out[PARTS[best![i]]].push(f));
  return out;
}

/**
 * Group-level split stratified by class, with some groups pinned to a part (Herlev: the groups of
 * the committed Herlev-SD split keep their part, so no segmentation-test cell is ever trained on).
 * Draws seeded random assignments of the free groups with the target group counts and keeps the
 * one whose per-class cell shares are closest to the target fractions.
 */
export function stratifiedPinnedSplit(
  cellsByGroup: Map<string, string[]>,
  classes: readonly string[],
  fractions: [number, number, number],
  seed: number,
  pinned: Map<string, Part>,
  trials = 20000,
): Record<Part, string[]> {
  const rand = mulberry32(seed);
  const groups = [...cellsByGroup.keys()].sort();
  const counts = groups.map((g) =>
    classes.map((c) => cellsByGroup.get(g)!.filter((l) => l === c).length),
  );
  const totals = classes.map((_, k) => counts.reduce((a, r) => a + r[k], 0));
  const fixed = groups.map((g) => (pinned.has(g) ? PARTS.indexOf(pinned.get(g)!) : -1));
  const free = groups.map((_, i) => i).filter((i) => fixed[i] < 0);
  const nPinned = [0, 1, 2].map((p) => fixed.filter((f) => f === p).length);
  const nTest = Math.max(0, Math.round(groups.length * fractions[2]) - nPinned[2]);
  const nVal = Math.max(0, Math.round(groups.length * fractions[1]) - nPinned[1]);
  let best: number[] | null = null;
  let bestScore = Infinity;
  const part = fixed.slice();
  for (let t = 0; t < trials; t++) {
    shuffle(free, rand);
    free.forEach((gi, j) => (part[gi] = j < nTest ? 2 : j < nTest + nVal ? 1 : 0));
    let score = 0;
    for (let k = 0; k < classes.length; k++) {
      const cells = [0, 0, 0];
      for (let i = 0; i < groups.length; i++) cells[part[i]] += counts[i][k];
      for (let p = 0; p < 3; p++) score += (cells[p] / Math.max(totals[k], 1) - fractions[p]) ** 2;
    }
    if (score < bestScore) {
      bestScore = score;
      best = part.slice();
    }
  }
  const out: Record<Part, string[]> = { train: [], val: [], test: [] };
  groups.forEach((g, i) => out[PARTS[best![i]]].push(g));
  return out;
}
