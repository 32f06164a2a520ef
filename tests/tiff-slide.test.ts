import { describe, expect, it } from 'vitest';
import { memorySource } from '../src/core/slide/byte-source';
import { CACHE_BYTES, openTiffSlide } from '../src/core/slide/tiff-slide';
import type { RgbaImage } from '../src/core/image/types';
import { syntheticSegImage } from '../src/core/segment/bench';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileByteSource } from '../src/cli/file-source';
import { deflateSync } from 'node:zlib';
import { inflateAtMost } from '../src/core/slide/inflate';
import { bombedTile, retypedTag } from './support/bad-slides';
import { encodeSlide, type SlideWriteOptions } from './support/slide-writer';
import { makeTiff } from './support/tiff-writer';

/** Largest channel difference between a region of `a` and `b` (RGB only). */
function maxDiff(a: RgbaImage, x: number, y: number, b: RgbaImage): number {
  let m = 0;
  for (let j = 0; j < b.height; j++)
    for (let i = 0; i < b.width; i++)
      for (let c = 0; c < 3; c++) {
        const va = a.data[4 * ((y + j) * a.width + x + i) + c];
        m = Math.max(m, Math.abs(va - b.data[4 * (j * b.width + i) + c]));
      }
  return m;
}

describe('tiled pyramidal TIFF slides (issue 14)', () => {
  const img = syntheticSegImage(700, 500, 30, 10, 3);
  const cases: [string, SlideWriteOptions, number][] = [
    ['LZW', { compression: 'lzw', tile: 128 }, 0],
    ['Deflate BigTIFF', { compression: 'deflate', tile: 128, bigTiff: true }, 0],
    ['JPEG q95', { compression: 'jpeg', tile: 256, jpegQuality: 95 }, 40],
  ];
  for (const [name, opts, tol] of cases) {
    it(`${name}: regions across tile borders read back`, async () => {
      const slide = await openTiffSlide(
        memorySource(encodeSlide(img, { ...opts, pyramidLevels: 2 })),
      );
      expect([slide.width, slide.height]).toEqual([700, 500]);
      expect(slide.levels.map((l) => [l.width, l.downsample])).toEqual([
        [700, 1],
        [350, 2],
        [175, 4],
      ]);
      const r = await slide.readRegion(100, 90, 300, 200);
      expect(maxDiff(img, 100, 90, r)).toBeLessThanOrEqual(tol);
      // A region past the right/bottom edge: the outside is white.
      const edge = await slide.readRegion(650, 450, 100, 100);
      expect(edge.data[4 * (99 * 100 + 99)]).toBe(255);
      expect(maxDiff(img, 650, 450, await slide.readRegion(650, 450, 50, 50))).toBeLessThanOrEqual(
        tol,
      );
    });
  }

  it('refuses a slide whose tile offsets point past the end, with a clear message', async () => {
    const b = encodeSlide(img, { compression: 'lzw', tile: 128 });
    await expect(openTiffSlide(memorySource(b.subarray(0, b.length - 2000)))).rejects.toThrow(
      /TIFF file is (truncated|corrupt)/,
    );
  });

  it('a valid TIFF with one strip over 16.7 MP is refused as too big a piece, not as corrupt', async () => {
    const oneStrip = makeTiff(4200, 4000, { compression: 'deflate', rowsPerStrip: 4000 });
    await expect(openTiffSlide(memorySource(oneStrip))).rejects.toThrow(
      /stores the image in strips of 4200×4000 pixels; .*save it as a tiled TIFF/,
    );
  });

  it('a JPEG tile that announces a huge frame is "corrupt" in words, not a decoder option', async () => {
    const b = encodeSlide(img, { compression: 'jpeg', tile: 128 });
    // The first SOF0 (FF C0, length 17, 8-bit): its height and width become 65535.
    let at = -1;
    for (let i = 0; i < b.length - 9 && at < 0; i++)
      if (b[i] === 0xff && b[i + 1] === 0xc0 && b[i + 3] === 17 && b[i + 4] === 8) at = i;
    expect(at).toBeGreaterThan(0);
    b.set([0xff, 0xff, 0xff, 0xff], at + 5);
    const slide = await openTiffSlide(memorySource(b));
    const reads = slide.levels.map((l, k) =>
      slide.readRegion(0, 0, l.width, l.height, k).then(
        () => '',
        (e: Error) => e.message,
      ),
    );
    const messages = (await Promise.all(reads)).filter(Boolean);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /A tile of the TIFF file is corrupt \(its JPEG announces far more pixels than the 128×128 tile\)/,
    );
    expect(messages[0]).not.toMatch(/maxResolutionInMP/);
  });

  // Found by the slide fuzzer (tests/fuzz-slide.test.ts): a mistyped tag read as a float.
  it('a float-typed compression tag gives a clear message, not a float code', async () => {
    const lzw = encodeSlide(img, { compression: 'lzw', tile: 128 });
    // SSHORT 5 is still LZW: a signed type with a sound value is read as before.
    const signed = await openTiffSlide(memorySource(retypedTag(lzw, 259, 8)));
    expect(maxDiff(img, 0, 0, await signed.readRegion(0, 0, 40, 40))).toBe(0);
    // FLOAT over the same bytes is a denormal (7e-45): refused as corrupt.
    await expect(openTiffSlide(memorySource(retypedTag(lzw, 259, 11)))).rejects.toThrow(
      'The TIFF file is corrupt (tag 259 is not a whole number).',
    );
  });

  it('float-typed tile offsets give a clear message in the CLI, not a file-position RangeError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paplens-slide-'));
    const file = join(dir, 'float-offsets.tif');
    writeFileSync(file, retypedTag(encodeSlide(img, { compression: 'lzw', tile: 128 }), 324, 11));
    const src = fileByteSource(file);
    try {
      await expect(openTiffSlide(src).then((s) => s.readRegion(0, 0, 64, 64))).rejects.toThrow(
        'The TIFF file is corrupt (tag 324 is not a whole number).',
      );
    } finally {
      src.close();
      rmSync(dir, { recursive: true });
    }
  });

  it('a Deflate tile is inflated only up to its own size (a bomb costs no memory)', async () => {
    // 64 MB of zeros in 64 KB of Deflate data.
    const bomb = new Uint8Array(deflateSync(new Uint8Array(64 * 1024 * 1024)));
    expect(bomb.length).toBeLessThan(100_000);
    expect((await inflateAtMost(bomb, 1000)).length).toBe(1000);
    const small = new Uint8Array([1, 2, 3, 4, 5]);
    expect([...(await inflateAtMost(new Uint8Array(deflateSync(small)), 100))]).toEqual([...small]);
    await expect(inflateAtMost(new Uint8Array([120, 156, 255, 255, 0]), 100)).rejects.toThrow();

    const slide = await openTiffSlide(
      memorySource(bombedTile(encodeSlide(img, { compression: 'deflate', tile: 128 }), bomb)),
    );
    const before = process.memoryUsage().arrayBuffers;
    const r = await slide.readRegion(0, 0, 128, 128);
    const grew = process.memoryUsage().arrayBuffers - before;
    // The tile reads as what its first 128 × 128 × 3 inflated bytes say (black), and the read
    // held about one tile, not the bomb's 64 MB.
    expect(r.data[0]).toBe(0);
    expect(grew).toBeLessThan(16 * 1024 * 1024);
  });

  it('the decoded-tile cache stays under its byte cap (huge tiles keep fewer, not 64)', async () => {
    const bytes = encodeSlide(img, { compression: 'lzw', tile: 128 });
    // 128² RGB = 48 KiB per tile; a 200 KB cap holds 4 of the 24 tiles.
    const capped = await openTiffSlide(memorySource(bytes), { cacheBytes: 200_000 });
    const whole = await capped.readRegion(0, 0, 700, 500);
    expect(maxDiff(img, 0, 0, whole)).toBe(0);
    expect(capped.cachedBytes()).toBeLessThanOrEqual(200_000);
    expect(capped.cachedBytes()).toBeGreaterThan(0);
    // Reading it again (through the evicted tiles) gives the same pixels.
    expect(maxDiff(img, 0, 0, await capped.readRegion(0, 0, 700, 500))).toBe(0);
    // The default cap holds all 24 tiles of this slide.
    const open = await openTiffSlide(memorySource(bytes));
    await open.readRegion(0, 0, 700, 500);
    expect(open.cachedBytes()).toBe(24 * 128 * 128 * 3);
    expect(CACHE_BYTES).toBeGreaterThanOrEqual(64 * 1024 * 1024 * 3);
  });
});
