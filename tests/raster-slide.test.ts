import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../src/core/image/types';
import { openSlideFile } from '../src/app/slide/open-slide';
import { memorySource } from '../src/core/slide/byte-source';
import { probeSlide } from '../src/core/slide/probe-slide';
import {
  halveImage,
  RASTER_SLIDE_MIN_PIXELS,
  rasterPyramid,
  rasterSlide,
} from '../src/core/slide/raster-slide';
import { encodeSlide } from './support/slide-writer';

/** A seeded image whose pixels encode their position (so crops can be checked exactly). */
function ramp(w: number, h: number): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      data.set([x % 256, y % 256, (x * 7 + y * 3) % 256, 255], 4 * (y * w + x));
  return { width: w, height: h, data };
}

/** Only a PNG's signature and IHDR: enough for the probe, which never decodes. */
function pngHeaderOnly(w: number, h: number): Uint8Array {
  const full = encodePng({ width: 1, height: 1, data: new Uint8Array(3), channels: 3, depth: 8 });
  const head = full.slice(0, 33);
  const dv = new DataView(head.buffer);
  dv.setUint32(16, w);
  dv.setUint32(20, h);
  return head;
}

describe('raster slides (large JPEG/PNG, issue 14)', () => {
  it('halveImage averages each 2×2 block', () => {
    const img: RgbaImage = {
      width: 2,
      height: 2,
      data: new Uint8ClampedArray([
        0, 0, 0, 255, 100, 0, 0, 255, 0, 200, 0, 255, 100, 200, 40, 255,
      ]),
    };
    expect([...halveImage(img).data]).toEqual([50, 100, 10, 255]);
  });

  it('the pyramid halves down to a level of at most 1024 px a side', () => {
    const levels = rasterPyramid(ramp(3000, 1100));
    expect(levels.map((l) => [l.width, l.height])).toEqual([
      [3000, 1100],
      [1500, 550],
      [750, 275],
    ]);
    const slide = rasterSlide(levels);
    expect(slide.levels.map((l) => l.downsample)).toEqual([1, 2, 4]);
    expect(slide.cachedBytes()).toBe(levels.reduce((s, l) => s + l.data.length, 0));
  });

  it('readRegion gives the exact pixels, white outside the image, at every level', async () => {
    const img = ramp(700, 500);
    const levels = rasterPyramid(img);
    const slide = rasterSlide([img, halveImage(img)]);
    expect(levels).toHaveLength(1);
    const r = await slide.readRegion(650, 480, 100, 40);
    for (const [x, y] of [
      [0, 0],
      [49, 19],
      [50, 0],
      [0, 20],
    ]) {
      const inside = 650 + x < 700 && 480 + y < 500;
      const got = [...r.data.subarray(4 * (y * 100 + x), 4 * (y * 100 + x) + 4)];
      const i = 4 * ((480 + y) * 700 + 650 + x);
      expect(got).toEqual(inside ? [...img.data.subarray(i, i + 4)] : [255, 255, 255, 255]);
    }
    const half = await slide.readRegion(10, 20, 5, 5, 1);
    const h1 = halveImage(img);
    expect([...half.data.subarray(0, 4)]).toEqual([
      ...h1.data.subarray(4 * (20 * 350 + 10), 4 * (20 * 350 + 10) + 4),
    ]);
    await expect(slide.readRegion(0, 0, 10, 10, 2)).rejects.toThrow(/no level 2/);
    await expect(slide.readRegion(0, 0, 0, 10)).rejects.toThrow(RangeError);
  });

  it('the probe (the rule of the app and the CLI) makes a JPEG/PNG ≥ 16 MP a raster slide, from its header alone', async () => {
    const big = await probeSlide(memorySource(pngHeaderOnly(4000, 4000)));
    expect(big).toEqual({ kind: 'raster', pixels: 16_000_000 });
    expect(RASTER_SLIDE_MIN_PIXELS).toBe(16_000_000);
    expect(await probeSlide(memorySource(pngHeaderOnly(3999, 4000)))).toEqual({ kind: 'image' });
    expect(await probeSlide(memorySource(new Uint8Array([1, 2, 3])))).toEqual({ kind: 'image' });
  });

  it('a slide no longer open is opened again from the file: a PNG decoded with its pyramid, a TIFF over its bytes', async () => {
    const img = ramp(2100, 900);
    const png = encodePng({ width: 2100, height: 900, data: img.data, channels: 4, depth: 8 });
    const fromPng = await openSlideFile(new Blob([png.slice()]));
    expect(fromPng.levels.map((l) => l.width)).toEqual([2100, 1050, 525]);
    const r = await fromPng.readRegion(2000, 800, 4, 4);
    expect([...r.data.subarray(0, 4)]).toEqual([
      ...img.data.subarray(4 * (800 * 2100 + 2000), 4 * (800 * 2100 + 2000) + 4),
    ]);
    const tif = encodeSlide(img, { compression: 'lzw', tile: 256, pyramidLevels: 1 });
    const fromTif = await openSlideFile(new Blob([tif.slice()]));
    expect(fromTif.levels).toHaveLength(2);
    expect([...(await fromTif.readRegion(2000, 800, 4, 4)).data]).toEqual([...r.data]);
  });
});
