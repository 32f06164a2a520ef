import type { Nucleus } from '../core/types';
import { byAbnormality } from './draw';

/**
 * Order-by-abnormality queries without sorting every nucleus: a slide holds tens of thousands, and
 * a full sort on each finished tile was a main-thread task of hundreds of ms (issue 14's 20,000²
 * run). Each query is one linear pass; the order is `byAbnormality`.
 */

/** The `k` first of the nuclei that pass `keep`, in byAbnormality order. */
export function topByAbnormality(
  nuclei: readonly Nucleus[],
  k: number,
  keep: (n: Nucleus) => boolean = () => true,
): Nucleus[] {
  const top: Nucleus[] = [];
  for (const n of nuclei) {
    if (!keep(n)) continue;
    if (top.length === k && byAbnormality(n, top[k - 1]) >= 0) continue;
    // Insert in order (k is small: a gallery).
    let i = Math.min(top.length, k - 1);
    if (top.length < k) top.push(n);
    while (i > 0 && byAbnormality(n, top[i - 1]) < 0) {
      top[i] = top[i - 1];
      i--;
    }
    top[i] = n;
  }
  return top;
}

/**
 * The nucleus after (`dir` 1) or before (-1) the one with id `currentId` in byAbnormality order
 * among those that pass `keep`, wrapping around; the first (or last) when `currentId` is not one
 * of them. Null when none passes.
 */
export function stepByAbnormality(
  nuclei: readonly Nucleus[],
  currentId: number | null,
  dir: 1 | -1,
  keep: (n: Nucleus) => boolean = () => true,
): Nucleus | null {
  const current = nuclei.find((n) => n.id === currentId && keep(n));
  // Compare in the walking direction: "before" for dir = -1 is "after" in reversed order.
  const cmp = (a: Nucleus, b: Nucleus): number => dir * byAbnormality(a, b);
  let next: Nucleus | null = null;
  let first: Nucleus | null = null;
  for (const n of nuclei) {
    if (!keep(n)) continue;
    if (!first || cmp(n, first) < 0) first = n;
    if (current && cmp(current, n) < 0 && (!next || cmp(n, next) < 0)) next = n;
  }
  return next ?? first;
}
