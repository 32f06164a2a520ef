import { describe, expect, it } from 'vitest';
import {
  distanceTransform,
  dropSmallLabels,
  dropUnsureLabels,
  fillHoles,
  instanceStats,
  removeSmall,
  separateNuclei,
  traceContour,
} from '../src/core/segment/postprocess';
import { instancesFromProbability } from '../src/core/segment/segment';

function disc(mask: Uint8Array, w: number, cx: number, cy: number, r: number): void {
  const h = mask.length / w;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) mask[y * w + x] = 1;
}

describe('segmentation post-processing', () => {
  it('removes specks smaller than the minimum area and keeps larger objects', () => {
    const w = 20;
    const m = new Uint8Array(w * w);
    m[0] = m[1] = m[2] = 1; // 3-px speck
    for (let y = 5; y < 10; y++) for (let x = 5; x < 10; x++) m[y * w + x] = 1; // 25 px
    removeSmall(m, w, w, 10);
    expect(m.reduce((a, b) => a + b, 0)).toBe(25);
    expect(m[0]).toBe(0);
  });

  it('fills enclosed holes but not background touching the border', () => {
    const w = 12;
    const m = new Uint8Array(w * w);
    for (let y = 2; y < 9; y++) for (let x = 2; x < 9; x++) m[y * w + x] = 1;
    m[5 * w + 5] = 0; // enclosed hole
    fillHoles(m, w, w);
    expect(m[5 * w + 5]).toBe(1);
    expect(m[0]).toBe(0);
    expect(m.reduce((a, b) => a + b, 0)).toBe(49);
  });

  it('computes exact Euclidean distances to the background', () => {
    const w = 9;
    const m = new Uint8Array(w * w);
    for (let y = 2; y < 7; y++) for (let x = 2; x < 7; x++) m[y * w + x] = 1;
    const d = distanceTransform(m, w, w);
    expect(d[4 * w + 4]).toBeCloseTo(3, 5);
    expect(d[2 * w + 2]).toBeCloseTo(1, 5);
    expect(d[0]).toBe(0);
  });

  it('equals a brute-force Euclidean distance on random masks (columns and rows without background too)', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const [w, h, p] of [
      [23, 17, 0.8],
      [31, 12, 0.95],
      [8, 40, 0.6],
    ] as const) {
      const m = new Uint8Array(w * h);
      for (let i = 0; i < m.length; i++) m[i] = rnd() < p ? 1 : 0;
      for (let y = 0; y < h; y++) m[y * w + 3] = 1; // a column with no background
      for (let x = 0; x < w; x++) m[5 * w + x] = 1; // a row with no background
      const d = distanceTransform(m, w, h);
      for (let i = 0; i < m.length; i++) {
        let best = Infinity;
        for (let j = 0; j < m.length; j++)
          if (!m[j])
            best = Math.min(
              best,
              ((i % w) - (j % w)) ** 2 + (Math.floor(i / w) - Math.floor(j / w)) ** 2,
            );
        expect(d[i]).toBe(m[i] ? Math.fround(Math.min(Math.sqrt(best), w + h)) : 0);
      }
    }
    // No background at all: every distance is capped at the image size.
    expect([...distanceTransform(new Uint8Array(12).fill(1), 4, 3)]).toEqual(Array(12).fill(7));
  });

  it('splits two touching discs and keeps a single disc whole', () => {
    const w = 60;
    const two = new Uint8Array(w * 40);
    disc(two, w, 20, 20, 10);
    disc(two, w, 37, 20, 10);
    const s2 = separateNuclei(two, w, 40, 1);
    expect(s2.count).toBe(2);
    // Each centre lies in a different instance.
    expect(s2.labels[20 * w + 20]).not.toBe(s2.labels[20 * w + 37]);
    const one = new Uint8Array(w * 40);
    disc(one, w, 30, 20, 12);
    expect(separateNuclei(one, w, 40, 1).count).toBe(1);
    // No splitting when the dynamics threshold is infinite.
    expect(separateNuclei(two, w, 40, Infinity).count).toBe(1);
  });

  it('drops small labels and renumbers the rest', () => {
    const labels = new Int32Array([1, 1, 1, 2, 3, 3, 3, 3]);
    const r = dropSmallLabels(labels, 3, 3);
    expect(r.count).toBe(2);
    expect(Array.from(r.labels)).toEqual([1, 1, 1, 0, 2, 2, 2, 2]);
  });

  it('drops objects whose mean probability is under the limit and renumbers the rest', () => {
    const labels = new Int32Array([1, 1, 2, 2, 0, 3, 3]);
    const prob = [0.99, 0.95, 0.6, 0.99, 0.1, 0.9, 0.9];
    // Means: 0.97, 0.795, 0.9 — the background's low values must not count for any object.
    const r = dropUnsureLabels(labels, 3, prob, 0.85);
    expect(r.count).toBe(2);
    expect(Array.from(r.labels)).toEqual([1, 1, 0, 0, 0, 2, 2]);
    expect(dropUnsureLabels(labels, 3, prob, 0.9).count).toBe(2);
    expect(dropUnsureLabels(labels, 3, prob, 0.91).count).toBe(1);
  });

  it('applies the object confidence limit after post-processing, and only when asked', () => {
    const w = 64;
    const prob = new Float32Array(w * w);
    const m = new Uint8Array(w * w);
    disc(m, w, 16, 16, 9);
    for (let i = 0; i < m.length; i++) if (m[i]) prob[i] = 0.99;
    m.fill(0);
    disc(m, w, 46, 46, 9);
    for (let i = 0; i < m.length; i++) if (m[i]) prob[i] = 0.7;
    const image = { width: w, height: w, data: new Uint8ClampedArray(w * w * 4).fill(200) };
    const all = instancesFromProbability(image, prob, 1, { threshold: 0.5 });
    expect(all.instances).toHaveLength(2);
    const sure = instancesFromProbability(image, prob, 1, { threshold: 0.5, minObjectProb: 0.9 });
    expect(sure.instances).toHaveLength(1);
    expect(sure.instances[0].centroid.x).toBeCloseTo(16, 0);
    expect(sure.labels[46 * w + 46]).toBe(0);
  });

  it('traces the outer contour of a square clockwise', () => {
    const w = 5;
    const labels = new Int32Array(w * w);
    for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) labels[y * w + x] = 1;
    const c = traceContour(labels, w, w, 1, 1 * w + 1);
    expect(c).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [3, 2],
      [3, 3],
      [2, 3],
      [1, 3],
      [1, 2],
    ]);
  });

  it('measures a disc and an ellipse (area, circularity, eccentricity, intensity)', () => {
    const w = 80;
    const h = 60;
    const labels = new Int32Array(w * h);
    const grey = new Float32Array(w * h).fill(0.9);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        if ((x - 20) ** 2 + (y - 30) ** 2 <= 15 * 15) {
          labels[y * w + x] = 1;
          grey[y * w + x] = 0.25;
        }
        if (((x - 60) / 16) ** 2 + ((y - 30) / 8) ** 2 <= 1) labels[y * w + x] = 2;
      }
    const [d, e] = instanceStats(labels, 2, w, h, grey);
    expect(d.morphometrics.areaPx).toBeGreaterThan(Math.PI * 15 * 15 * 0.95);
    expect(d.morphometrics.areaPx).toBeLessThan(Math.PI * 15 * 15 * 1.05);
    expect(d.morphometrics.circularity).toBeGreaterThan(0.9);
    expect(d.morphometrics.eccentricity).toBeLessThan(0.15);
    expect(d.morphometrics.meanIntensity).toBeCloseTo(0.25, 5);
    expect(d.centroid.x).toBeCloseTo(20, 1);
    expect(d.bbox).toEqual({ x: 5, y: 15, width: 31, height: 31 });
    // Ellipse with semi-axes 16 and 8: eccentricity sqrt(1 - 1/4) ≈ 0.866.
    expect(e.morphometrics.eccentricity).toBeGreaterThan(0.82);
    expect(e.morphometrics.eccentricity).toBeLessThan(0.9);
    expect(e.contour.length).toBeGreaterThan(40);
  });
});
