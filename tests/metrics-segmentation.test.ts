import { describe, expect, it } from 'vitest';
import {
  labelComponents,
  matchObjects,
  pixelCounts,
  pixelScores,
  pointRecall,
  meanScores,
  pixelsInUntouchedObjects,
} from '../src/core/metrics/segmentation';

describe('pixel metrics', () => {
  it('matches a hand-computed case', () => {
    // pred: 1 1 0 0 1 ; truth: 1 0 0 1 1 → tp=2 fp=1 fn=1 tn=1
    const c = pixelCounts([1, 1, 0, 0, 1], [1, 0, 0, 255, 1]);
    expect(c).toEqual({ tp: 2, fp: 1, fn: 1, tn: 1 });
    const s = pixelScores(c);
    expect(s.precision).toBeCloseTo(2 / 3);
    expect(s.recall).toBeCloseTo(2 / 3);
    expect(s.zsi).toBeCloseTo(4 / 6);
    expect(s.iou).toBeCloseTo(2 / 4);
  });
  it('treats empty-vs-empty as agreement and empty prediction as zero recall', () => {
    expect(pixelScores(pixelCounts([0, 0], [0, 0])).zsi).toBe(1);
    const s = pixelScores(pixelCounts([0, 0], [1, 0]));
    expect(s.recall).toBe(0);
    expect(s.zsi).toBe(0);
  });
  it('rejects size mismatch', () => {
    expect(() => pixelCounts([1], [1, 0])).toThrow(/size mismatch/);
  });
  it('averages per image', () => {
    const m = meanScores([
      { precision: 1, recall: 0.5, zsi: 0.5, iou: 0.25 },
      { precision: 0, recall: 0.5, zsi: 1, iou: 0.75 },
    ]);
    expect(m).toEqual({ precision: 0.5, recall: 0.5, zsi: 0.75, iou: 0.5 });
  });
});

describe('object metrics', () => {
  // 6×3 image: truth has objects A (cols 0-1) and B (cols 4-5); prediction has A' = A plus col 2, and C at col 3 row 0.
  const w = 6;
  const truth = [1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1];
  const pred = [1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0];
  it('labels 4-connected components', () => {
    const t = labelComponents(truth, w, 3);
    expect(t.count).toBe(2);
    const diag = labelComponents([1, 0, 0, 1], 2, 2); // diagonal pixels are separate under 4-connectivity
    expect(diag.count).toBe(2);
  });
  it('matches at IoU ≥ 0.5 (hand-computed)', () => {
    const t = labelComponents(truth, w, 3);
    const p = labelComponents(pred, w, 3);
    expect(p.count).toBe(1); // the col-3 pixel touches col 2, so prediction is one blob of 10 px
    // IoU(pred, A) = 6 / (10 + 6 - 6) = 0.6 ≥ 0.5 → 1 TP; B missed → FN 1; FP 0
    const r = matchObjects(p.labels, p.count, t.labels, t.count);
    expect(r).toMatchObject({ tp: 1, fp: 0, fn: 1, precision: 1, recall: 0.5 });
    expect(r.f1).toBeCloseTo(2 / 3);
    // at a stricter threshold it no longer matches
    expect(matchObjects(p.labels, p.count, t.labels, t.count, 0.7).tp).toBe(0);
  });
  it('point recall counts points inside predicted nuclei', () => {
    const p = labelComponents(pred, w, 3);
    const r = pointRecall(p.labels, w, [
      { x: 0, y: 0 },
      { x: 5, y: 2 },
      { x: 3.2, y: 0.4 },
      { x: 99, y: 0 },
    ]);
    expect(r).toEqual({ hit: 2, total: 4, recall: 0.5 });
  });
});

describe('pixelsInUntouchedObjects (false positives away from every annotated nucleus)', () => {
  it('counts only predicted objects with no annotated pixel, whole', () => {
    // 6×1 strip: object 1 overlaps the truth by one pixel, object 2 touches none.
    const pred = Int32Array.from([1, 1, 0, 2, 2, 2]);
    const truth = Uint8Array.from([0, 1, 1, 0, 0, 0]);
    expect(pixelsInUntouchedObjects(pred, 2, truth)).toEqual({ pixels: 3, objects: 1 });
    expect(pixelsInUntouchedObjects(pred, 2, Uint8Array.from([0, 0, 0, 0, 0, 1]))).toEqual({
      pixels: 2,
      objects: 1,
    });
    expect(pixelsInUntouchedObjects(pred, 2, new Uint8Array(6))).toEqual({ pixels: 5, objects: 2 });
    expect(() => pixelsInUntouchedObjects(pred, 2, new Uint8Array(5))).toThrow(/size mismatch/);
  });
});
