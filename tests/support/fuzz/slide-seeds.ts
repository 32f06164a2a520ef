// Seed slides for the slide-reader fuzzer (issue 14), generated here (no binaries from elsewhere):
// small tiled pyramids as scanners lay them out (classic TIFF and BigTIFF; JPEG, LZW or Deflate
// tiles) and a stripped TIFF, so that hundreds of mutated copies are read in seconds.
import { TIFF_TAGS as T } from '../../../src/core/image/tiff-ifd';
import type { RgbaImage } from '../../../src/core/image/types';
import { mulberry32 } from '../../../src/core/util/random';
import { encodeSlide } from '../slide-writer';
import { makeTiff } from '../tiff-writer';
import type { Seed } from './seeds';

export type SlideFuzzKind = 'slide-jpeg' | 'slide-lzw' | 'slide-deflate';
export const SLIDE_FUZZ_KINDS: SlideFuzzKind[] = ['slide-jpeg', 'slide-lzw', 'slide-deflate'];

/** A smooth field with dark round blobs (nucleus-like), seeded. */
function field(w: number, h: number, seed: number): RgbaImage {
  const rnd = mulberry32(seed);
  const blobs = Array.from({ length: 6 }, () => [rnd() * w, rnd() * h, 3 + rnd() * 6]);
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const dark = blobs.some(([bx, by, r]) => (x - bx) ** 2 + (y - by) ** 2 < r * r) ? 0.4 : 1;
      const i = 4 * (y * w + x);
      data[i] = (200 + ((x + 2 * y) % 40)) * dark;
      data[i + 1] = (170 + ((2 * x + y) % 50)) * dark;
      data[i + 2] = (210 + ((x * y) % 30)) * dark;
      data[i + 3] = 255;
    }
  return { width: w, height: h, data };
}

/**
 * The bytes that are not tile or strip data (header, directories, their value arrays): where a
 * mutation tests the reader's trust in the file's structure rather than a decoder's. A small
 * synchronous walk of our own writers' output (little-endian, classic or BigTIFF): the seeds are
 * known to be well formed, and cases must be made synchronously.
 */
function structure(bytes: Uint8Array): Pick<Seed, 'hot' | 'entries'> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const big = dv.getUint16(2, true) === 43;
  const num = (at: number): number =>
    big ? Number(dv.getBigUint64(at, true)) : dv.getUint32(at, true);
  const data: [number, number][] = [];
  const entryAt: { at: number; big: boolean }[] = [];
  let ifd = num(big ? 8 : 4);
  while (ifd !== 0) {
    const n = big ? num(ifd) : dv.getUint16(ifd, true);
    const entries = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const e = ifd + (big ? 8 : 2) + i * (big ? 20 : 12);
      entryAt.push({ at: e, big });
      const type = dv.getUint16(e + 2, true);
      const count = big ? num(e + 4) : dv.getUint32(e + 4, true);
      const size = type === 3 ? 2 : type === 16 ? 8 : 4;
      const inline = count * size <= (big ? 8 : 4);
      const at = inline ? e + (big ? 12 : 8) : num(e + (big ? 12 : 8));
      const vals: number[] = [];
      for (let k = 0; k < count; k++)
        vals.push(
          size === 2
            ? dv.getUint16(at + 2 * k, true)
            : size === 8
              ? Number(dv.getBigUint64(at + 8 * k, true))
              : dv.getUint32(at + 4 * k, true),
        );
      entries.set(dv.getUint16(e, true), vals);
    }
    const offsets = entries.get(T.tileOffsets) ?? entries.get(T.stripOffsets) ?? [];
    const counts = entries.get(T.tileByteCounts) ?? entries.get(T.stripByteCounts) ?? [];
    offsets.forEach((o, i) => data.push([o, o + (counts[i] ?? 0)]));
    ifd = num(ifd + (big ? 8 : 2) + n * (big ? 20 : 12));
  }
  data.sort((a, b) => a[0] - b[0]);
  const hot: [number, number][] = [];
  let at = 0;
  for (const [a, b] of data) {
    if (a > at) hot.push([at, a]);
    at = Math.max(at, b);
  }
  if (at < bytes.length) hot.push([at, bytes.length]);
  return { hot, entries: entryAt };
}

function seedsOf(kind: SlideFuzzKind): Seed[] {
  const compression = kind === 'slide-jpeg' ? 'jpeg' : kind === 'slide-lzw' ? 'lzw' : 'deflate';
  const seeds = [
    {
      name: 'pyramid-classic',
      bytes: encodeSlide(field(100, 76, 1), { compression, tile: 32, pyramidLevels: 2 }),
    },
    {
      name: 'pyramid-bigtiff',
      bytes: encodeSlide(field(72, 64, 2), {
        compression,
        tile: 16,
        pyramidLevels: 1,
        bigTiff: true,
      }),
    },
  ];
  if (kind !== 'slide-jpeg')
    seeds.push({
      name: 'stripped',
      bytes: makeTiff(60, 44, {
        compression: kind === 'slide-lzw' ? 'lzw' : 'deflate',
        rowsPerStrip: 8,
      }),
    });
  return seeds;
}

/** The seeds of one kind, each with its structure ranges. */
export function slideFuzzSeeds(kind: SlideFuzzKind): Seed[] {
  return seedsOf(kind).map((x) => ({ ...x, ...structure(x.bytes) }));
}
