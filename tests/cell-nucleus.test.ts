import { describe, expect, it } from 'vitest';
import { boxSmooth, ringContrast } from '../src/core/cell/blob-contrast';
import { framingCaveats } from '../src/core/cell/framing';
import {
  darkBlobNucleus,
  findCellNuclei,
  FULL_CELL_SEARCH,
  isFragmentOf,
  otsu,
} from '../src/core/cell/primary-nucleus';
import { cellImageView, CELL_VIEW_SIZE, dihedral } from '../src/core/cell/view';
import type { RgbaImage } from '../src/core/image/types';
import type { SegAdapter, SegNucleus } from '../src/core/pipeline/models';
import { mulberry32 } from '../src/core/util/random';
import { cellImage, thresholdSeg } from './support/cell-doubles';

describe('single-cell nucleus finding', () => {
  it('fallback (no segmentation): a primary nucleus near the centre for 32–1024 px images', async () => {
    for (const side of [32, 57, 200, 224, 640, 1024]) {
      const r = side * 0.12;
      const img = cellImage(side, side, [{ x: side / 2 + side * 0.03, y: side / 2, r }], {
        x: side / 2,
        y: side / 2,
        r: side * 0.4,
      });
      const c = await findCellNuclei(img);
      expect(c.method).toBe('fallback');
      expect(c.nuclei[c.primary]).toBeDefined();
      const n = c.nuclei[c.primary];
      expect(Math.abs(n.centroid.x - (side / 2 + side * 0.03))).toBeLessThan(side * 0.05);
      expect(Math.abs(n.centroid.y - side / 2)).toBeLessThan(side * 0.05);
      expect(n.morphometrics.areaPx / (Math.PI * r * r)).toBeGreaterThan(0.7);
      expect(n.morphometrics.areaPx / (Math.PI * r * r)).toBeLessThan(1.3);
      expect(n.contour.length).toBeGreaterThan(3);
    }
  });

  it('ring contrast: how much darker a blob is than the ring around it', () => {
    const w = 64;
    const grey = new Float32Array(w * w).fill(0.8);
    const labels = new Int32Array(w * w);
    for (let y = 0; y < w; y++)
      for (let x = 0; x < w; x++)
        if ((x - 32) ** 2 + (y - 32) ** 2 <= 64) {
          labels[y * w + x] = 1;
          grey[y * w + x] = 0.3;
        }
    expect(ringContrast(grey, labels, 1, w, w)).toBeCloseTo(0.5, 5);
    // Only the ring counts: a dark frame far from the blob does not lower the contrast.
    for (let i = 0; i < w; i++) grey[i] = 0;
    expect(ringContrast(grey, labels, 1, w, w)).toBeCloseTo(0.5, 5);
    expect(ringContrast(new Float32Array(w * w).fill(0.5), labels, 1, w, w)).toBe(0);
    expect(ringContrast(grey, labels, 2, w, w)).toBe(0);
  });

  it('box smoothing: a constant stays, one dark pixel spreads over its 5×5 box, edges replicated', () => {
    const w = 9;
    const g = new Float32Array(w * w).fill(0.8);
    expect(Array.from(boxSmooth(g, w, w, 2)).every((v) => Math.abs(v - 0.8) < 1e-6)).toBe(true);
    g[4 * w + 4] = 0.3;
    const s = boxSmooth(g, w, w, 2);
    expect(s[4 * w + 4]).toBeCloseTo(0.8 - 0.5 / 25, 6);
    expect(s[2 * w + 2]).toBeCloseTo(0.8 - 0.5 / 25, 6);
    expect(s[1 * w + 1]).toBeCloseTo(0.8, 6);
    // A corner pixel's box reaches past the border: the replicated edge, not a black frame.
    g.fill(0.8);
    g[0] = 0.3;
    expect(boxSmooth(g, w, w, 2)[0]).toBeCloseTo(0.8 - (0.5 * 9) / 25, 6);
  });

  it('the dark-blob search always returns a blob, even in a blank image (a small disc at the centre)', () => {
    const n = darkBlobNucleus(cellImage(64, 48, []));
    expect(n.morphometrics.areaPx).toBeGreaterThan(0);
    expect(Math.abs(n.centroid.x - 32)).toBeLessThan(17);
  });

  it('an image with no nucleus in it gets none: blank, shaded, noisy, specks of debris, a ragged smear', async () => {
    const dark = (img: RgbaImage, x: number, y: number): void =>
      img.data.set([60, 50, 80], 4 * (y * img.width + x));
    const blank = cellImage(224, 224, []);
    const shaded = cellImage(224, 224, []);
    for (let i = 0; i < shaded.data.length; i += 4)
      for (let c = 0; c < 3; c++) shaded.data[i + c] -= Math.floor((((i / 4) % 224) / 224) * 50);
    // Debris: 2×2 specks near the centre (Ø ≈ 1 % of the side, under the 2 % limit).
    const specks = cellImage(200, 200, []);
    for (const [x, y] of [
      [100, 100],
      [90, 120],
      [130, 85],
    ])
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ])
        dark(specks, x + dx, y + dy);
    // A ragged smear: a one-pixel-wide dark cross 80 px across (large, circularity far below 0.2).
    const smear = cellImage(224, 224, []);
    for (let k = -40; k <= 40; k++) {
      dark(smear, 112 + k, 112);
      dark(smear, 112, 112 + k);
    }
    // Camera noise on an empty background, roughly normal (sum of four uniforms), sd 3 and 8.
    const rand = mulberry32(20261207);
    const noisy = [3, 3, 8, 8].map((sd) => {
      const img = cellImage(224, 224, []);
      for (let i = 0; i < img.data.length; i += 4) {
        const d = Math.round(((rand() + rand() + rand() + rand() - 2) * sd) / 0.577);
        for (let c = 0; c < 3; c++) img.data[i + c] += d;
      }
      return img;
    });
    // The smear goes to the fallback alone: a dark-pixel segmenter would outline it itself.
    const cases: [string, RgbaImage, SegAdapter | undefined][] = [
      ['smear', smear, undefined],
      ...[blank, shaded, specks, ...noisy].flatMap((img, i) =>
        [undefined, thresholdSeg()].map((seg): [string, RgbaImage, SegAdapter | undefined] => [
          `frame ${i}`,
          img,
          seg,
        ]),
      ),
    ];
    for (const [name, img, seg] of cases) {
      const c = await findCellNuclei(img, seg);
      expect(c.method, name).toBe('empty');
      expect(c.nuclei).toHaveLength(0);
      expect(c.labels.every((v) => v === 0)).toBe(true);
    }
    // A faint nucleus the segmenter misses (grey 0.55–0.7, above its 0.5 threshold) still is one.
    const faint = cellImage(224, 224, [], { x: 112, y: 112, r: 90 });
    for (let y = 0; y < 224; y++)
      for (let x = 0; x < 224; x++)
        if ((x - 112) ** 2 + (y - 112) ** 2 <= 20 ** 2)
          faint.data.set([150, 140, 170], 4 * (y * 224 + x));
    const f = await findCellNuclei(faint, thresholdSeg());
    expect(f.method).toBe('fallback');
    expect(Math.hypot(f.nuclei[0].centroid.x - 112, f.nuclei[0].centroid.y - 112)).toBeLessThan(3);
  });

  it('segmentation: the centred nucleus is primary, a neighbour is secondary, at any framing', async () => {
    for (const [w, h, frac] of [
      [224, 224, 0.25],
      [200, 200, 0.06],
      [1024, 700, 0.1],
      [48, 48, 0.3],
    ]) {
      const side = Math.max(w, h);
      const img = cellImage(w, h, [
        { x: w / 2, y: h / 2, r: (side * frac) / 2 },
        { x: w * 0.08, y: h * 0.1, r: (side * frac) / 2.5 },
      ]);
      const c = await findCellNuclei(img, thresholdSeg());
      expect(c.method).toBe('segmentation');
      expect(c.primary).toBe(0);
      const p = c.nuclei[0];
      expect(Math.hypot(p.centroid.x - w / 2, p.centroid.y - h / 2)).toBeLessThan(2);
      expect(c.nuclei.length).toBe(2);
    }
  });

  it('labels: the outlined pixels at input size, the primary nucleus as label 1', async () => {
    // The neighbour (top left) comes first in raster order, so the segmenter labels it 1.
    const img = cellImage(224, 224, [
      { x: 112, y: 112, r: 28 },
      { x: 20, y: 24, r: 10 },
    ]);
    const c = await findCellNuclei(img, thresholdSeg());
    expect(c.labels.length).toBe(224 * 224);
    expect(c.labels[112 * 224 + 112]).toBe(1);
    expect(c.labels[24 * 224 + 20]).toBe(2);
    const count = (l: number): number => c.labels.filter((v) => v === l).length;
    c.nuclei.forEach((n, i) => expect(count(i + 1)).toBe(n.morphometrics.areaPx));
    expect(count(0)).toBe(224 * 224 - c.nuclei.reduce((a, n) => a + n.morphometrics.areaPx, 0));
    // The fallback's blob is label 1 too.
    const f = await findCellNuclei(cellImage(96, 96, [{ x: 48, y: 48, r: 12 }]));
    expect(f.method).toBe('fallback');
    expect(f.labels[48 * 96 + 48]).toBe(1);
    expect(f.labels.filter((v) => v === 1).length).toBe(f.nuclei[0].morphometrics.areaPx);
  });

  it('a tightly framed cell is settled by the two cheapest sides; the full search runs five', async () => {
    // Nucleus 25 % of a 224-px image: ~24 px at the 96-px side, near the size prior's centre.
    const img = cellImage(224, 224, [{ x: 112, y: 112, r: 28 }]);
    const quick: number[] = [];
    const c = await findCellNuclei(img, thresholdSeg(quick));
    expect(quick).toEqual([64, 96]);
    const full: number[] = [];
    const f = await findCellNuclei(img, thresholdSeg(full), undefined, FULL_CELL_SEARCH);
    expect(full).toEqual([64, 96, 128, 192, 256]);
    expect(c.method).toBe('segmentation');
    expect(c.nuclei[0].centroid).toEqual(f.nuclei[0].centroid);
  });

  it('a small (pyknotic) nucleus still reaches the large sides; nothing found tries them all', async () => {
    // Nucleus ~4 % of the side: implausibly small (< 10 px) up to the 256-px side.
    const small: number[] = [];
    const c = await findCellNuclei(
      cellImage(224, 224, [{ x: 112, y: 112, r: 4 }]),
      thresholdSeg(small),
    );
    expect(small.slice(0, 5)).toEqual([64, 96, 128, 192, 256]);
    expect(small.length).toBeGreaterThan(5);
    expect(c.method).toBe('segmentation');
    expect(Math.hypot(c.nuclei[0].centroid.x - 112, c.nuclei[0].centroid.y - 112)).toBeLessThan(2);
    const blank: number[] = [];
    const b = await findCellNuclei(cellImage(224, 224, []), thresholdSeg(blank));
    expect(blank).toEqual([64, 96, 128, 192, 256, 384, 512]);
    // Nothing found and nothing darker than its surroundings: no nucleus at all.
    expect(b.method).toBe('empty');
  });

  it('a piece of an already found nucleus, seen at a larger side, is not taken for the nucleus', async () => {
    // A square "nucleus" of side 2r centred at (112, 112) in a 224-px image, as a segmenter returns it.
    const square = (r: number, meanIntensity: number): SegNucleus => ({
      contour: [
        [112 - r, 112 - r],
        [112 + r, 112 - r],
        [112 + r, 112 + r],
        [112 - r, 112 + r],
      ],
      bbox: { x: 112 - r, y: 112 - r, width: 2 * r, height: 2 * r },
      centroid: { x: 112, y: 112 },
      morphometrics: {
        areaPx: 4 * r * r,
        perimeterPx: 8 * r,
        circularity: 0.8,
        eccentricity: 0.1,
        meanIntensity,
      },
    });
    // At the 64- and 96-px sides a large nucleus (Ø ≈ 158 px in the input: implausibly large there,
    // so the search goes on); from the 128-px side on, a chromatin piece inside it at the prior's
    // size, which alone would score far higher.
    const fragmenting = (pieceGrey: number): SegAdapter => ({
      version: 'fragments',
      dispose: () => undefined,
      async segment(image, _mode, scale = 1) {
        const side = Math.round(scale * Math.max(image.width, image.height));
        const n = side <= 96 ? square(70, 0.3) : square(Math.round(13 / scale), pieceGrey);
        return {
          width: image.width,
          height: image.height,
          labels: new Int32Array(image.width * image.height),
          nuclei: [n],
          scale,
        };
      },
    });
    const img = cellImage(224, 224, [{ x: 112, y: 112, r: 50 }]);
    const kept = await findCellNuclei(img, fragmenting(0.32));
    expect(kept.nuclei[0].morphometrics.areaPx).toBe(19600);
    expect(isFragmentOf(square(8, 0.32), square(50, 0.3))).toBe(true);
    // A much darker dot inside a pale blob (a pyknotic nucleus inside its cell) is taken.
    const dark = await findCellNuclei(img, fragmenting(0.1));
    expect(dark.nuclei[0].morphometrics.areaPx).toBeLessThan(19600 / 2);
    expect(isFragmentOf(square(8, 0.1), square(50, 0.3))).toBe(false);
    // Large pieces are not fragments either.
    expect(isFragmentOf(square(40, 0.32), square(50, 0.3))).toBe(false);
  });

  it('a scale the user set is the only one tried', async () => {
    const img = cellImage(224, 224, [{ x: 112, y: 112, r: 28 }]);
    const c = await findCellNuclei(img, thresholdSeg(), 0.5);
    expect(c.method).toBe('segmentation');
    expect(c.scale).toBeCloseTo(0.5, 6);
  });

  it('otsu splits a bimodal histogram between the modes', () => {
    const hist = new Array(256).fill(0);
    hist[50] = 100;
    hist[200] = 300;
    const t = otsu(hist);
    expect(t).toBeGreaterThanOrEqual(50);
    expect(t).toBeLessThan(200);
  });
});

describe('whole-cell view and framing caveats', () => {
  it('dihedral views: 8 distinct poses, rotation by 90° four times is the identity', () => {
    const img: RgbaImage = { width: 3, height: 3, data: new Uint8ClampedArray(36) };
    for (let i = 0; i < 9; i++) img.data[4 * i] = i;
    const key = (m: RgbaImage): string =>
      Array.from({ length: 9 }, (_, i) => m.data[4 * i]).join(',');
    expect(new Set(Array.from({ length: 8 }, (_, k) => key(dihedral(img, k)))).size).toBe(8);
    let r = img;
    for (let i = 0; i < 4; i++) r = dihedral(r, 1);
    expect(key(r)).toBe(key(img));
    expect(key(dihedral(dihedral(img, 4), 4))).toBe(key(img));
  });

  it('pads to a centred square and resizes to the view size', () => {
    const img = cellImage(100, 50, [{ x: 50, y: 25, r: 10 }]);
    const v = cellImageView(img);
    expect(v.width).toBe(CELL_VIEW_SIZE);
    expect(v.height).toBe(CELL_VIEW_SIZE);
    // The nucleus stays at the centre of the view.
    const c = 4 * ((CELL_VIEW_SIZE / 2) * CELL_VIEW_SIZE + CELL_VIEW_SIZE / 2);
    expect(v.data[c]).toBeLessThan(120);
  });

  it('a Herlev-like framing gets no caveat; off-centre, tiny or elongated ones get specific ones', () => {
    const n = (x: number, y: number, r: number): SegNucleus => ({
      contour: [],
      bbox: { x: x - r, y: y - r, width: 2 * r, height: 2 * r },
      centroid: { x, y },
      morphometrics: {
        areaPx: Math.PI * r * r,
        perimeterPx: 2 * Math.PI * r,
        circularity: 1,
        eccentricity: 0,
        meanIntensity: 0.3,
      },
    });
    const img = cellImage(224, 224, []);
    expect(framingCaveats(img, n(112, 112, 30), 'segmentation')).toEqual([]);
    expect(framingCaveats(img, n(200, 112, 30), 'segmentation').join(' ')).toMatch(/off-centre/);
    expect(framingCaveats(img, n(112, 112, 1), 'segmentation').join(' ')).toMatch(/spans 1%/);
    expect(framingCaveats(img, n(112, 112, 30), 'fallback').join(' ')).toMatch(
      /not found by the segmentation/,
    );
    const long = cellImage(600, 200, []);
    expect(framingCaveats(long, n(300, 100, 30), 'segmentation').join(' ')).toMatch(/elongated/);
  });
});
