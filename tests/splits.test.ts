import { describe, expect, it } from 'vitest';
import { CLASSES, herlevSamples, isbiSamples, readCricCells } from '../src/data/datasets';
import { hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import {
  loadSplit,
  PARTS,
  splitUnits,
  stratifiedFieldSplit,
  stratifiedPinnedSplit,
  SPLIT_NAMES,
  type Part,
} from '../src/data/splits';
import { hasHerlev, herlevCells } from '../src/data/cell-manifest';
import { HERLEV_CLASSES } from '../src/core/herlev';

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

describe('herlev (7-class) split', () => {
  it('keeps every Herlev-SD group in its herlev-sd part (test cells stay test)', () => {
    const sd = loadSplit('herlev-sd');
    const h = loadSplit('herlev');
    for (const p of PARTS)
      for (const g of sd.parts[p]) expect(h.parts[p], `${g} (herlev-sd ${p})`).toContain(g);
  });
  it('pinned stratified split honours pins, is seeded and stratifies', () => {
    const byGroup = new Map<string, string[]>();
    for (let i = 0; i < 60; i++) byGroup.set(`g${i}`, [i % 3 === 0 ? 'a' : 'b']);
    const pinned = new Map<string, Part>([['g1', 'test']]);
    const s = stratifiedPinnedSplit(byGroup, ['a', 'b'], [0.7, 0.1, 0.2], 7, pinned, 500);
    expect(s.test).toContain('g1');
    expect(s).toEqual(stratifiedPinnedSplit(byGroup, ['a', 'b'], [0.7, 0.1, 0.2], 7, pinned, 500));
    expect(s.train.length + s.val.length + s.test.length).toBe(60);
    expect(s.test.filter((g) => Number(g.slice(1)) % 3 === 0).length).toBe(4);
  });
  it.skipIf(!hasHerlev())('every Herlev cell group is in exactly one part', () => {
    const h = loadSplit('herlev');
    const parts = new Map<string, string>();
    for (const p of PARTS) for (const g of h.parts[p]) parts.set(g, p);
    const cells = herlevCells();
    expect(cells.length).toBe(770);
    for (const c of cells) expect(parts.has(c.group), c.group).toBe(true);
    expect(parts.size).toBe(new Set(cells.map((c) => c.group)).size);
    // every class in every part
    for (const p of PARTS)
      for (const k of HERLEV_CLASSES)
        expect(
          cells.some((c) => c.herlevClass === k && parts.get(c.group) === p),
          `${k} in ${p}`,
        ).toBe(true);
  });
});
