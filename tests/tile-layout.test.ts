import { describe, expect, it } from 'vitest';
import { SEGMENT_DEFAULTS, tileLayout } from '../src/core/segment/segment';

/** Network pixels along one axis: what a layout costs. */
const covered = (l: { size: number; starts: number[] }): number => l.size * l.starts.length;

describe('tileLayout (segmentation tiles sized to the image)', () => {
  it('covers every side exactly, with seams overlapping by at least the overlap', () => {
    for (let n = 1; n <= 3000; n++) {
      const l = tileLayout(n, 512, 64, 16);
      expect(l.starts[0]).toBe(0);
      expect(l.starts.at(-1)! + l.size).toBe(n);
      if (n <= 512) {
        expect(l).toEqual({ size: n, starts: [0] });
        continue;
      }
      expect(l.size).toBeLessThanOrEqual(512);
      expect(l.size % 16).toBe(0);
      for (let i = 1; i < l.starts.length; i++) {
        expect(l.starts[i]).toBeGreaterThan(l.starts[i - 1]);
        expect(l.starts[i - 1] + l.size - l.starts[i]).toBeGreaterThanOrEqual(64);
      }
    }
  });

  it('costs what the image needs: no jump at 961 px, no full tiles on a 1280-px field', () => {
    // Fixed 512-px tiles: 960 → 2 tiles, 961 → 3 (1,536 px of network input for 961 px).
    const r960 = covered(tileLayout(960, 512, 64, 16));
    const r961 = covered(tileLayout(961, 512, 64, 16));
    expect(r960).toBe(1024);
    expect(r961).toBeLessThanOrEqual(1.1 * r960);
    // 1280 px: three 512-px tiles had a 192-px overlap; sized to the image, 480 px.
    expect(tileLayout(1280, 512, 64, 16)).toEqual({ size: 480, starts: [0, 400, 800] });
  });

  it('with the shipped 768-px limit a 1280×960 field is 2 × 2 tiles, its ×0.7 pass 2 × 1', () => {
    const t = SEGMENT_DEFAULTS.tileSize;
    const o = SEGMENT_DEFAULTS.tileOverlap;
    expect(tileLayout(1280, t, o, 16)).toEqual({ size: 672, starts: [0, 608] });
    expect(tileLayout(960, t, o, 16)).toEqual({ size: 512, starts: [0, 448] });
    expect(tileLayout(896, t, o, 16)).toEqual({ size: 480, starts: [0, 416] });
    expect(tileLayout(672, t, o, 16)).toEqual({ size: 672, starts: [0] });
    // Network pixels of both passes: 4 × 672×512 + 2 × 480×672 ≈ 2.02 MP (fixed 512²: 10 tiles, 2.62 MP).
    const mp =
      covered(tileLayout(1280, t, o, 16)) * covered(tileLayout(960, t, o, 16)) +
      covered(tileLayout(896, t, o, 16)) * covered(tileLayout(672, t, o, 16));
    expect(mp).toBeLessThan(0.8 * 10 * 512 * 512);
  });
});
