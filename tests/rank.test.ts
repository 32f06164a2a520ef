import { describe, expect, it } from 'vitest';
import { byAbnormality } from '../src/app/draw';
import { stepByAbnormality, topByAbnormality } from '../src/app/rank';
import type { Nucleus } from '../src/core/types';
import { mulberry32 } from '../src/core/util/random';

/** Nuclei with random P(abnormal) (ties included), some unclassified, some set aside as Other. */
function nuclei(n: number, seed: number): Nucleus[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const kind = r();
    const p = kind < 0.1 ? null : Math.round(r() * 20) / 20;
    return {
      id: i + 1,
      label: p === null ? null : kind < 0.2 ? 'Other' : 'NILM',
      abnormalProbability: p,
    } as unknown as Nucleus;
  });
}

describe('order-by-abnormality queries in one pass (slides hold tens of thousands of nuclei)', () => {
  it('topByAbnormality equals sorting everything and taking the first k', () => {
    for (const seed of [1, 2, 3]) {
      const all = nuclei(500, seed);
      const keep = (n: Nucleus) => n.abnormalProbability !== null && String(n.label) !== 'Other';
      for (const k of [1, 12, 600])
        expect(topByAbnormality(all, k, keep).map((n) => n.id)).toEqual(
          all
            .filter(keep)
            .sort(byAbnormality)
            .slice(0, k)
            .map((n) => n.id),
        );
    }
    expect(topByAbnormality([], 12)).toEqual([]);
  });

  it('stepByAbnormality walks the sorted order both ways, wrapping, from anywhere', () => {
    const all = nuclei(200, 7);
    const keep = (n: Nucleus) => String(n.label) !== 'Other';
    const order = all.filter(keep).sort(byAbnormality);
    for (let i = 0; i < order.length; i++) {
      expect(stepByAbnormality(all, order[i].id, 1, keep)?.id).toBe(
        order[(i + 1) % order.length].id,
      );
      expect(stepByAbnormality(all, order[i].id, -1, keep)?.id).toBe(
        order[(i - 1 + order.length) % order.length].id,
      );
    }
    // Not selected (or selected but filtered out): the first one forwards, the last backwards.
    expect(stepByAbnormality(all, null, 1, keep)?.id).toBe(order[0].id);
    expect(stepByAbnormality(all, null, -1, keep)?.id).toBe(order[order.length - 1].id);
    expect(stepByAbnormality([], null, 1)).toBeNull();
  });
});
