import { describe, expect, it } from 'vitest';
import { lbpCodes, lbpHistogram, lbpMultiRadius } from '../src/core/features/lbp';
import type { GreyImage } from '../src/core/image/types';

function grey(rows: number[][]): GreyImage {
  const height = rows.length;
  const width = rows[0].length;
  return { width, height, data: Float32Array.from(rows.flat()) };
}

function rotate90(img: GreyImage): GreyImage {
  // Clockwise: new(x', y') = old(y', H-1-x').
  const { width: w, height: h } = img;
  const out = new Float32Array(w * h);
  for (let y = 0; y < w; y++)
    for (let x = 0; x < h; x++) out[y * h + x] = img.data[(h - 1 - x) * w + y];
  return { width: h, height: w, data: out };
}

describe('LBP (paper variant: 8 neighbours, radius 1, bit when neighbour ≥ centre)', () => {
  it('codes a hand-computed 3×3 neighbourhood', () => {
    // Bits (east first, counter-clockwise): E=7≥5 →1, NE=5≥5 →1, N=2 →0, NW=6 →1,
    // W=4 →0, SW=5 →1, S=9 →1, SE=1 →0  ⇒ 1+2+8+32+64 = 107.
    const img = grey([
      [6, 2, 5],
      [4, 5, 7],
      [5, 9, 1],
    ]);
    const codes = lbpCodes(img);
    expect(Array.from(codes)).toEqual([-1, -1, -1, -1, 107, -1, -1, -1, -1]);
    const h = lbpHistogram(img);
    expect(h.length).toBe(256);
    expect(h[107]).toBe(1);
    expect(h.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('gives 255 on a flat image and 0 for a strict local maximum', () => {
    expect(
      lbpHistogram(
        grey([
          [3, 3, 3, 3],
          [3, 3, 3, 3],
          [3, 3, 3, 3],
        ]),
      )[255],
    ).toBe(1);
    expect(
      lbpCodes(
        grey([
          [1, 1, 1],
          [1, 2, 1],
          [1, 1, 1],
        ]),
      )[4],
    ).toBe(0);
  });

  it('counts only masked pixels and normalises over them', () => {
    // 4×3 image: interior pixels (1,1) and (2,1).
    const img = grey([
      [0, 0, 0, 0],
      [0, 5, 1, 0],
      [0, 0, 0, 0],
    ]);
    // (1,1)=5: all neighbours smaller → 0. (2,1)=1: only W=5 ≥ 1 → bit 4 → 16.
    expect(lbpHistogram(img)[0]).toBeCloseTo(0.5);
    expect(lbpHistogram(img)[16]).toBeCloseTo(0.5);
    const mask = new Uint8Array(12);
    mask[6] = 1; // (2,1) only
    const h = lbpHistogram(img, { mask });
    expect(h[16]).toBe(1);
    expect(h[0]).toBe(0);
    // A mask that covers no codable pixel gives a defined all-zero histogram.
    const border = new Uint8Array(12);
    border[0] = 1;
    expect(Array.from(lbpHistogram(img, { mask: border })).every((v) => v === 0)).toBe(true);
  });

  it('uses integer neighbours at chessboard distance R for radius > 1', () => {
    const img = grey([
      [9, 0, 9, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 5, 0, 9],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    // Centre (2,2)=5, R=2: E (4,2)=9 → bit0; N (2,0)=9 → bit2; NW (0,0)=9 → bit3. 1+4+8 = 13.
    expect(lbpCodes(img, { radius: 2 })[12]).toBe(13);
  });

  it('rejects a mask of the wrong size with a clear message', () => {
    expect(() => lbpHistogram(grey([[1, 2, 3]]), { mask: new Uint8Array(2) })).toThrow(
      /mask has 2 pixels/,
    );
  });
});

describe('LBP riu2 (P=8, R=1, 10 bins)', () => {
  it('maps uniform patterns to their count of ones and the rest to bin 9', () => {
    expect(
      lbpCodes(
        grey([
          [1, 1, 1],
          [1, 1, 1],
          [1, 1, 1],
        ]),
        { variant: 'riu2' },
      )[4],
    ).toBe(8);
    expect(
      lbpCodes(
        grey([
          [1, 1, 1],
          [1, 2, 1],
          [1, 1, 1],
        ]),
        { variant: 'riu2' },
      )[4],
    ).toBe(0);
    // Axis neighbours 1 ≥ 0.5; interpolated diagonals (0.0858·0.5 + 2·0.207·1 = 0.457) < 0.5:
    // bits alternate 1,0,1,0… → 8 transitions → non-uniform.
    expect(
      lbpCodes(
        grey([
          [0, 1, 0],
          [1, 0.5, 1],
          [0, 1, 0],
        ]),
        { variant: 'riu2' },
      )[4],
    ).toBe(9);
    // Upper half bright: E, NE, N, NW, W ≥ centre → 5 consecutive ones → uniform, bin 5.
    expect(
      lbpCodes(
        grey([
          [1, 1, 1],
          [1, 0.5, 1],
          [0, 0, 0],
        ]),
        { variant: 'riu2' },
      )[4],
    ).toBe(5);
  });

  it('is invariant to a 90° rotation', () => {
    const data = new Float32Array(20 * 16);
    let s = 7;
    for (let i = 0; i < data.length; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      data[i] = (s % 1000) / 1000;
    }
    const img = { width: 20, height: 16, data };
    const a = lbpHistogram(img, { variant: 'riu2' });
    const b = lbpHistogram(rotate90(img), { variant: 'riu2' });
    expect(a.length).toBe(10);
    for (let k = 0; k < 10; k++) expect(b[k]).toBeCloseTo(a[k], 6);
    // The paper's 256-bin LBP is not rotation invariant: the same rotation changes it.
    const c = lbpHistogram(img);
    const d = lbpHistogram(rotate90(img));
    expect(c.some((v, k) => Math.abs(v - d[k]) > 1e-3)).toBe(true);
  });

  it('concatenates one normalised histogram per radius', () => {
    const img = grey(
      Array.from({ length: 12 }, (_, y) =>
        Array.from({ length: 12 }, (_, x) => (x * 7 + y * 3) % 5),
      ),
    );
    const h = lbpMultiRadius(img, [1, 2, 3], { variant: 'riu2' });
    expect(h.length).toBe(30);
    for (let r = 0; r < 3; r++) {
      expect(h.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(Array.from(h.subarray(0, 10))).toEqual(
      Array.from(lbpHistogram(img, { variant: 'riu2' })),
    );
  });
});
