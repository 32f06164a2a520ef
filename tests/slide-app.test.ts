import { describe, expect, it } from 'vitest';
import { syntheticSegImage } from '../src/core/segment/bench';
import { memorySource } from '../src/core/slide/byte-source';
import { probeSlide } from '../src/core/slide/probe-slide';
import { pickLevel, visibleTiles, VIEW_TILE } from '../src/app/slide/view';
import { absurdDimensions, truncatedTile, wrongOffsets } from './support/bad-slides';
import { encodeSlide } from './support/slide-writer';
import { makeTiff } from './support/tiff-writer';

describe('the app tells slides from images (issue 14)', () => {
  const img = syntheticSegImage(1200, 700, 20, 10, 5);
  const slide = encodeSlide(img, { compression: 'jpeg', tile: 256, pyramidLevels: 2 });

  it('a tiled pyramid is a slide, with its levels', async () => {
    const p = await probeSlide(memorySource(slide));
    expect(p.kind).toBe('slide');
    if (p.kind !== 'slide') return;
    expect(p.info).toMatchObject({ width: 1200, height: 700 });
    expect(p.info.levels.map((l) => l.downsample)).toEqual([1, 2, 4]);
  });

  it('a small single-level TIFF and a PNG stay ordinary images', async () => {
    expect(await probeSlide(memorySource(makeTiff(64, 48)))).toEqual({ kind: 'image' });
    expect(
      await probeSlide(
        memorySource(encodeSlide(img, { compression: 'lzw', tile: 256, pyramidLevels: 0 })),
      ),
    ).toEqual({ kind: 'image' });
    expect(await probeSlide(memorySource(new Uint8Array([0x89, 0x50, 0x4e, 0x47])))).toEqual({
      kind: 'image',
    });
  });

  it('damaged slides give one clear message', async () => {
    const absurd = await probeSlide(memorySource(absurdDimensions(slide)));
    expect(absurd).toMatchObject({ kind: 'damaged', message: /implausibly large/ });
    const offsets = await probeSlide(memorySource(wrongOffsets(slide)));
    expect(offsets).toMatchObject({ kind: 'damaged', message: /outside the file/ });
    // A cut tile is found only when it is read (the analysis reports it).
    expect((await probeSlide(memorySource(truncatedTile(slide)))).kind).toBe('slide');
  });
});

describe('deep-zoom viewer geometry', () => {
  const levels = [
    { width: 8000, height: 6000, downsample: 1 },
    { width: 4000, height: 3000, downsample: 2 },
    { width: 1000, height: 750, downsample: 8 },
  ];
  it('picks the coarsest level still as sharp as the screen', () => {
    expect(pickLevel(levels, 2)).toBe(0);
    expect(pickLevel(levels, 1)).toBe(0);
    expect(pickLevel(levels, 0.6)).toBe(0);
    expect(pickLevel(levels, 0.4)).toBe(1);
    expect(pickLevel(levels, 0.125)).toBe(2);
    expect(pickLevel(levels, 0.01)).toBe(2);
  });
  it('lists the tiles under the viewport only', () => {
    const slide = { width: 8000, height: 6000, levels };
    // Zoom 1 at the origin, 600×400 viewport: tiles 0..2 across, 0..1 down at level 0.
    const t = visibleTiles(slide, 0, { zoom: 1, x: 0, y: 0 }, 600, 400);
    expect(t.map((x) => x.key)).toEqual(['0/0/0', '0/1/0', '0/2/0', '0/0/1', '0/1/1', '0/2/1']);
    // Fitted whole slide at level 2: all 4×3 tiles of the 1000×750 level.
    const all = visibleTiles(slide, 2, { zoom: 0.1, x: 0, y: 0 }, 800, 600);
    expect(all).toHaveLength(Math.ceil(1000 / VIEW_TILE) * Math.ceil(750 / VIEW_TILE));
  });
});
