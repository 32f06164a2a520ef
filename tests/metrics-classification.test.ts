import { describe, expect, it } from 'vitest';
import {
  binaryReport,
  classificationReport,
  expectedCalibrationError,
  rocAuc,
} from '../src/core/metrics/classification';

describe('classification report', () => {
  // 3 classes; true: a a a b b c ; pred: a a b b c c
  const yTrue = [0, 0, 0, 1, 1, 2];
  const yPred = [0, 0, 1, 1, 2, 2];
  const r = classificationReport(yTrue, yPred, ['a', 'b', 'c']);
  it('accuracy and confusion', () => {
    expect(r.accuracy).toBeCloseTo(4 / 6);
    expect(r.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });
  it('per-class precision/recall/specificity/F1 (hand-computed)', () => {
    // a: tp2 fp0 fn1 tn3 → P 1, R 2/3, spec 1, F1 0.8
    expect(r.per_class.a.precision).toBeCloseTo(1);
    expect(r.per_class.a.recall).toBeCloseTo(2 / 3);
    expect(r.per_class.a.specificity).toBeCloseTo(1);
    expect(r.per_class.a.f1).toBeCloseTo(0.8);
    expect(r.per_class.a.support).toBe(3);
    // b: tp1 fp1 fn1 tn3 → P .5 R .5 spec .75 F1 .5
    expect(r.per_class.b).toMatchObject({ support: 2 });
    expect(r.per_class.b.specificity).toBeCloseTo(0.75);
    expect(r.per_class.b.f1).toBeCloseTo(0.5);
    // c: tp1 fp1 fn0 tn4 → P .5 R 1 spec .8 F1 2/3
    expect(r.per_class.c.specificity).toBeCloseTo(0.8);
    expect(r.per_class.c.f1).toBeCloseTo(2 / 3);
  });
  it('macro and weighted averages', () => {
    expect(r.macro_f1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3);
    expect(r.weighted_f1).toBeCloseTo((0.8 * 3 + 0.5 * 2 + (2 / 3) * 1) / 6);
    expect(r.macro_recall).toBeCloseTo((2 / 3 + 0.5 + 1) / 3);
  });
  it('rejects out-of-range labels', () => {
    expect(() => classificationReport([3], [0], ['a', 'b'])).toThrow(/out of range/);
  });
});

describe('binary metrics', () => {
  it('ROC AUC by ranks, with ties', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBeCloseTo(0.5);
    expect(rocAuc([1, 1, 0], [0.9, 0.8, 0.1])).toBe(1);
    expect(Number.isNaN(rocAuc([1, 1], [0.1, 0.2]))).toBe(true);
  });
  it('sensitivity and specificity at a threshold', () => {
    const b = binaryReport([1, 1, 1, 0, 0], [0.9, 0.6, 0.2, 0.7, 0.1], 0.5);
    expect(b.sensitivity).toBeCloseTo(2 / 3);
    expect(b.specificity).toBeCloseTo(1 / 2);
    expect(b).toMatchObject({ tp: 2, fn: 1, fp: 1, tn: 1 });
  });
  it('expected calibration error', () => {
    // Two bins used: conf .9 (2 samples, 1 right → acc .5), conf .6 (2 samples, both right → acc 1)
    const probs = [
      [0.9, 0.1],
      [0.9, 0.1],
      [0.4, 0.6],
      [0.4, 0.6],
    ];
    const ece = expectedCalibrationError(probs, [0, 1, 1, 1], 10);
    expect(ece).toBeCloseTo(0.5 * 0.4 + 0.5 * 0.4);
    expect(expectedCalibrationError([[1, 0]], [0])).toBeCloseTo(0);
  });
});
