import { describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError } from '../src/core/image/decode';
import { decodeLzw } from '../src/core/image/lzw';
import { readTiff } from '../src/core/image/tiff-ifd';
import { frozenLzwTiff } from './support/bad-inputs';
import { lzwEncode, makeTiff, samplePixels, type TiffOptions } from './support/tiff-writer';
import { mulberry32 } from '../src/core/util/random';

describe('TIFF decoding (own IFD reader + bounded LZW)', () => {
  const layouts: TiffOptions[] = [
    {},
    { compression: 'lzw' },
    { compression: 'deflate' },
    { compression: 'lzw', channels: 1 },
    { compression: 'lzw', tile: 16 },
    { compression: 'deflate', tile: 32 },
    { bits: 16 },
    { bits: 16, channels: 1, compression: 'lzw' },
    { bits: 16, compression: 'lzw', tile: 16 },
    { compression: 'lzw', rowsPerStrip: 7 },
  ];
  for (const opts of layouts) {
    it(`round-trips ${JSON.stringify(opts)} pixel for pixel`, async () => {
      const [w, h] = [37, 29]; // not a multiple of the tile size: partial edge tiles
      const channels = opts.channels ?? 3;
      const bits = opts.bits ?? 8;
      const samples = samplePixels(w, h, channels, bits);
      const img = await decodeImage(makeTiff(w, h, opts));
      expect([img.width, img.height]).toEqual([w, h]);
      const step = bits / 8;
      for (let i = 0; i < w * h; i++)
        for (let c = 0; c < 3; c++) {
          // 16-bit samples are little-endian: the high byte is the second.
          const s = samples[(i * channels + Math.min(c, channels - 1)) * step + step - 1];
          if (img.data[4 * i + c] !== s)
            throw new Error(`pixel ${i} channel ${c}: ${img.data[4 * i + c]} ≠ ${s}`);
        }
    });
  }

  it('LZW decoder inverts the encoder on random and repetitive data (table resets included)', () => {
    const rnd = mulberry32(5);
    for (const n of [0, 1, 2, 300, 5000, 70_000]) {
      const data = new Uint8Array(n).map((_, i) => (i % 3 === 0 ? Math.floor(rnd() * 256) : i & 7));
      const out = new Uint8Array(n);
      expect(decodeLzw(lzwEncode(data), 0, lzwEncode(data).length, out, 0)).toBe(n);
      expect(out).toEqual(data);
    }
  });

  it('LZW decoding is linear whatever the bytes (random input finishes fast)', () => {
    const rnd = mulberry32(9);
    const t0 = performance.now();
    for (let k = 0; k < 200; k++) {
      const junk = new Uint8Array(4096).map(() => Math.floor(rnd() * 256));
      try {
        decodeLzw(junk, 0, junk.length, new Uint8Array(1 << 16), 0);
      } catch (e) {
        expect(e).toBeInstanceOf(ImageDecodeError);
      }
    }
    // 800 KB of junk: a linear decoder needs milliseconds; the old one could spin for ever.
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('the frozen file of issue 15 is refused at once with a clear message', async () => {
    const t0 = performance.now();
    await expect(decodeImage(frozenLzwTiff())).rejects.toThrow(/The TIFF file is corrupt/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('reads the IFD chain of a BigTIFF header and refuses absurd counts', async () => {
    const b = makeTiff(20, 20);
    expect((await readTiff(b)).ifds).toHaveLength(1);
    const big = new Uint8Array(16);
    big.set([0x49, 0x49, 43, 0, 8, 0, 0, 0, 200, 0, 0, 0, 0, 0, 0, 0]);
    await expect(readTiff(big)).rejects.toThrow(/outside the file/);
  });
});
