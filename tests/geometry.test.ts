import { describe, expect, it } from 'vitest';
import { fillPolygon, pointInPolygon } from '../src/core/util/geometry';

describe('geometry', () => {
  it('fillPolygon fills a closed contour, its pixels included, and agrees with pointInPolygon', () => {
    // The outline of the 4×3 block x 2..5, y 1..3 in a 8×6 image (as Moore tracing lists it).
    const c: [number, number][] = [];
    for (let x = 2; x <= 5; x++) c.push([x, 1]);
    c.push([5, 2]);
    for (let x = 5; x >= 2; x--) c.push([x, 3]);
    c.push([2, 2]);
    const m = fillPolygon(c, 8, 6);
    let n = 0;
    for (let y = 0; y < 6; y++)
      for (let x = 0; x < 8; x++) {
        const inside = x >= 2 && x <= 5 && y >= 1 && y <= 3;
        expect(m[y * 8 + x]).toBe(inside ? 1 : 0);
        n += m[y * 8 + x];
        // Strictly inside points agree with ray casting.
        if (x > 2 && x < 5 && y === 2) expect(pointInPolygon(x, y, c)).toBe(true);
      }
    expect(n).toBe(12);
  });
});
