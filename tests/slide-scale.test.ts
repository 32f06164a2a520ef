import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../src/core/image/types';
import type { SegAdapter } from '../src/core/pipeline/models';
import type { EstimateContext } from '../src/core/pipeline/scale-choice';
import type { ScaleEstimate } from '../src/core/segment/auto-scale';
import { slideScaleText } from '../src/app/slide/scale-text';
import { rasterSlide } from '../src/core/slide/raster-slide';
import {
  resolveSlideScale,
  slideFactor,
  SCALE_WINDOWS,
  tissueFraction,
} from '../src/core/slide/slide-scale';

function image(w: number, h: number, grey = 255): RgbaImage {
  return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(grey) };
}

/** A segmentation double whose coarse pass sees nuclei of `diameter` px (field target: 20 px). */
function fakeSeg(
  diameter: number | null,
): SegAdapter & { calls: number; asked: (EstimateContext | undefined)[] } {
  const seg = {
    calls: 0,
    asked: [] as (EstimateContext | undefined)[],
    version: 'fake',
    dispose: () => undefined,
    segment: () => Promise.reject(new Error('not used')),
    estimateScale(_image: RgbaImage, _mode: string, how?: EstimateContext): Promise<ScaleEstimate> {
      seg.calls++;
      seg.asked.push(how);
      return Promise.resolve({
        scale: 1,
        found: diameter !== null,
        nucleusDiameterPx: diameter ?? NaN,
        looksLikeCell: false,
        atDefault: false,
        probes: [],
      });
    },
  };
  return seg;
}

/** A slide whose left half is tissue (grey) and right half glass (white). */
function halfTissueSlide(w: number, h: number) {
  const img = image(w, h);
  for (let y = 0; y < h; y++) img.data.fill(120, 4 * y * w, 4 * (y * w + Math.floor(w / 2)));
  return rasterSlide([img]);
}

describe('slide scale', () => {
  it('tissue fraction: glass 0, tissue 1, half and half ~0.5', () => {
    expect(tissueFraction(image(64, 64))).toBe(0);
    expect(tissueFraction(image(64, 64, 100))).toBe(1);
    const half = image(64, 64);
    for (let y = 0; y < 64; y++) half.data.fill(100, 4 * y * 64, 4 * (y * 64 + 32));
    expect(tissueFraction(half)).toBeCloseTo(0.5, 2);
  });

  it("pools the windows' nucleus sizes: their median to the 20-px field target, snapped to octaves", () => {
    expect(slideFactor([])).toBeNull();
    expect(slideFactor([20, 22, 41])).toBe(1);
    // 2× nuclei (one window fooled by a cluster): ×0.5.
    expect(slideFactor([30.8, 29.9, 49.8, 27.6, 34.4])).toBe(0.5);
    // Half-size nuclei: ×2; an even count takes the geometric mean of the middle two.
    expect(slideFactor([10.1, 9.5, 13.3, 14])).toBe(2);
    // Far from any octave: kept as measured.
    expect(slideFactor([14.5, 14.5])).toBeCloseTo(20 / 14.5, 6);
  });

  it('priority: Resume > user > file > automatic > ×1', async () => {
    const slide = halfTissueSlide(4096, 2048);
    const seg = fakeSeg(10);
    // Nuclei of 10 px where the working scale has 20: ×2, from tissue windows only.
    const auto = await resolveSlideScale(slide, seg);
    expect(auto).toMatchObject({ scale: 2, scaleSource: 'auto' });
    expect(auto.probe?.windows).toBe(SCALE_WINDOWS);
    expect(auto.probe?.factors).toEqual(Array(SCALE_WINDOWS).fill(2));
    expect(seg.calls).toBe(SCALE_WINDOWS);
    expect(await resolveSlideScale(slide, seg, { pixelSizeUm: 0.173 })).toEqual({
      scale: 1,
      scaleSource: 'user',
    });
    const calibrated = { ...slide, pixelSize: { um: 0.0865, from: 'XResolution' } };
    expect(await resolveSlideScale(calibrated, seg)).toEqual({ scale: 0.5, scaleSource: 'file' });
    const previous = { scale: 2, scaleSource: 'auto' as const };
    const calls = seg.calls;
    expect(await resolveSlideScale(calibrated, seg, { previous, pixelSizeUm: 0.5 })).toEqual(
      previous,
    );
    expect(seg.calls).toBe(calls);
    // No nuclei found anywhere, no model, or only glass: ×1, said to be the default.
    expect(await resolveSlideScale(slide, fakeSeg(null))).toEqual({
      scale: 1,
      scaleSource: 'default',
    });
    expect(await resolveSlideScale(slide, undefined)).toEqual({ scale: 1, scaleSource: 'default' });
    const glass = fakeSeg(10);
    expect(await resolveSlideScale(rasterSlide([image(2048, 2048)]), glass)).toEqual({
      scale: 1,
      scaleSource: 'default',
    });
    expect(glass.calls).toBe(0);
  });

  it('a small slide is probed in no more windows than it has tiles', async () => {
    const seg = fakeSeg(20);
    const s = await resolveSlideScale(halfTissueSlide(2048, 1024), seg);
    expect(s).toMatchObject({ scale: 1, scaleSource: 'auto', probe: { windows: 2 } });
    // Each window as one of a pool (no half-probe floor: docs/SLIDES.md).
    expect(seg.asked.map((h) => h?.pooledWindow)).toEqual([true, true]);
  });
});

describe('the slide summary line on scale', () => {
  const file = { pixelSize: { um: 0.346, from: 'XResolution' } };
  it('says what the tiles were analysed at, and where the factor came from', () => {
    expect(slideScaleText({}, null, null)).toMatch(
      /states no pixel size: the scale will be estimated from the nuclei/,
    );
    expect(slideScaleText({}, null, 0.346)).toMatch(
      /^Pixel size 0.346 µm \(yours\): every tile at ×2.00/,
    );
    expect(slideScaleText(file, null, null)).toMatch(
      /^Pixel size 0.346 µm \(from the file, XResolution\): every tile at ×2.00/,
    );
    // Once analysed, the factor used wins over a setting changed since (Resume keeps it).
    expect(slideScaleText(file, { scale: 2, scaleSource: 'file' }, 0.173)).toMatch(
      /from the file, XResolution\): every tile at ×2.00/,
    );
    expect(slideScaleText({}, { scale: 0.5, scaleSource: 'auto' }, null)).toMatch(
      /no pixel size: about 0.0865 µm, estimated from the nuclei of sample windows; every tile at ×0.50/,
    );
    expect(slideScaleText({}, { scale: 1, scaleSource: 'default' }, null)).toMatch(
      /no nuclei were found to estimate it: tiles at the working scale \(×1/,
    );
  });
});
