import { describe, expect, it } from 'vitest';
import { CLASSES, herlevSamples, isbiSamples, readCricCells } from '../src/data/datasets';
import { hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import {
  loadSplit,
  PARTS,
  splitUnits,
  stratifiedFieldSplit,
  SPLIT_NAMES,
} from '../src/data/splits';

describe('committed splits (no data needed)', () => {
  for (const name of SPLIT_NAMES) {
    it(`${name}: no unit appears in two parts`, () => {
      const s = loadSplit(name);
      const seen = new Map<string, string>();
      for (const p of PARTS) {
        expect(s.parts[p].length).toBeGreaterThan(0);
        for (const u of s.parts[p]) {
          expect(seen.get(u), `${u} is in ${seen.get(u)} and ${p}`).toBeUndefined();
          seen.set(u, p);
        }
      }
    });
  }
  it('split functions are deterministic for a seed and differ across seeds', () => {
    const units = Array.from({ length: 50 }, (_, i) => `u${i}`);
    expect(splitUnits(units, [0.7, 0.1, 0.2], 1)).toEqual(splitUnits(units, [0.7, 0.1, 0.2], 1));
    expect(splitUnits(units, [0.7, 0.1, 0.2], 1)).not.toEqual(
      splitUnits(units, [0.7, 0.1, 0.2], 2),
    );
  });
  it('stratified field split gives every class a field in every part', () => {
    const byField = new Map<string, string[]>();
    for (let f = 0; f < 30; f++)
      byField.set(`f${f}`, f % 5 === 0 ? ['rare', 'common'] : ['common']);
    const s = stratifiedFieldSplit(byField, ['common', 'rare'], [0.6, 0.2, 0.2], 7, 2000);
    for (const p of PARTS) expect(s[p].some((f) => byField.get(f)!.includes('rare'))).toBe(true);
  });
});

describe.skipIf(!hasData())('splits cover the data in ../shared', () => {
  if (!hasData()) console.warn(NO_DATA_MESSAGE);
  it('herlev-sd: every group is in exactly one part', () => {
    const all = new Set(PARTS.flatMap((p) => loadSplit('herlev-sd').parts[p]));
    const groups = new Set(herlevSamples().map((s) => s.group));
    expect([...groups].every((g) => all.has(g))).toBe(true);
    expect(all.size).toBe(groups.size);
  });
  it('isbi2014: every image is in one part and each part has synthetic and EDF images', () => {
    const s = loadSplit('isbi2014');
    const ids = [...isbiSamples('synthetic'), ...isbiSamples('edf')].map((x) => x.id);
    expect(new Set(PARTS.flatMap((p) => s.parts[p]))).toEqual(new Set(ids));
    for (const p of PARTS) {
      expect(s.parts[p].some((u) => u.startsWith('edf/'))).toBe(true);
      expect(s.parts[p].some((u) => u.startsWith('synthetic/'))).toBe(true);
    }
  });
  it('cric: every field in one part, every class has fields in every part', () => {
    const s = loadSplit('cric');
    const cells = readCricCells();
    const fields = new Set(cells.map((c) => c.field));
    expect(new Set(PARTS.flatMap((p) => s.parts[p]))).toEqual(fields);
    for (const p of PARTS) {
      const set = new Set(s.parts[p]);
      for (const cls of CLASSES)
        expect(
          cells.some((c) => c.label === cls && set.has(c.field)),
          `${cls} in ${p}`,
        ).toBe(true);
    }
  });
});
