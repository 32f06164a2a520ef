import { softmax } from './mlp';

/** Mean negative log-likelihood of labels under softmax(logits / T). */
export function nllAtTemperature(
  logits: readonly ArrayLike<number>[],
  y: readonly number[],
  t: number,
): number {
  let s = 0;
  for (let n = 0; n < logits.length; n++)
    s -= Math.log(Math.max(softmax(logits[n], t)[y[n]], 1e-12));
  return logits.length ? s / logits.length : 0;
}

/**
 * Temperature scaling (Guo et al. 2017): the single T > 0 minimising validation NLL, found by
 * golden-section search on log T (NLL is unimodal in T in practice). T = 1 leaves logits as is.
 */
export function fitTemperature(logits: readonly ArrayLike<number>[], y: readonly number[]): number {
  if (logits.length === 0) return 1;
  let lo = Math.log(0.05);
  let hi = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = nllAtTemperature(logits, y, Math.exp(a));
  let fb = nllAtTemperature(logits, y, Math.exp(b));
  for (let it = 0; it < 60; it++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = nllAtTemperature(logits, y, Math.exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = nllAtTemperature(logits, y, Math.exp(b));
    }
  }
  return Math.exp((lo + hi) / 2);
}

export interface OperatingPoint {
  threshold: number;
  sensitivity: number;
  specificity: number;
}

/**
 * Threshold on P(abnormal) chosen on validation: the highest threshold whose sensitivity is still
 * ≥ `targetSensitivity` (so specificity is as high as the sensitivity target allows). A cell is
 * called abnormal when P(abnormal) ≥ threshold.
 */
export function chooseThreshold(
  scores: readonly number[],
  labels01: readonly number[],
  targetSensitivity = 0.95,
): OperatingPoint {
  const pos = labels01.reduce((s, l) => s + (l ? 1 : 0), 0);
  const neg = labels01.length - pos;
  if (pos === 0 || neg === 0) return { threshold: 0.5, sensitivity: NaN, specificity: NaN };
  const order = scores.map((_, i) => i).sort((i, j) => scores[j] - scores[i]);
  let tp = 0;
  let fp = 0;
  for (let r = 0; r < order.length; r++) {
    const i = order[r];
    if (labels01[i]) tp++;
    else fp++;
    // Only cut between distinct scores, so the threshold really separates.
    if (r + 1 < order.length && scores[order[r + 1]] === scores[i]) continue;
    if (tp / pos >= targetSensitivity) {
      return { threshold: scores[i], sensitivity: tp / pos, specificity: (neg - fp) / neg };
    }
  }
  return { threshold: 0, sensitivity: 1, specificity: 0 };
}
