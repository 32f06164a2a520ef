import jpeg from 'jpeg-js';
import { decoderDetail, ImageDecodeError } from '../image/errors';
import { decodeLzw } from '../image/lzw';
import {
  readTiff,
  TIFF_TAGS as T,
  tagNumber,
  tagNumbers,
  type TiffDirectory,
} from '../image/tiff-ifd';
import type { ByteSource } from './byte-source';
import { slidePixelSize } from './calibration';
import type { Slide } from './slide';
import { inflateAtMost } from './inflate';

/**
 * Region reads from big (tiled or stripped, pyramidal, BigTIFF / OME-TIFF) TIFF files without
 * decoding them whole: only the tiles under the requested region are read and decoded, so memory
 * is bounded by the region plus a small tile cache (issue 14).
 */

/** One resolution level of the slide. */
export interface SlideLevel {
  width: number;
  height: number;
  /** Level-0 pixels per pixel of this level (1 for level 0). */
  downsample: number;
  /** Chunk grid: tiles, or strips (chunkW = width). */
  chunkW: number;
  chunkH: number;
  tiled: boolean;
  ifd: TiffDirectory;
}

/** A slide over a TIFF file; `cachedBytes` is the decoded tiles/strips held in the cache. */
export interface TiffSlide extends Slide {
  levels: SlideLevel[];
}

export interface SlideOpenOptions {
  /** Cap on the decoded-chunk cache (bytes); CACHE_BYTES unless given. */
  cacheBytes?: number;
}

/** Largest region one read may return (pixels): what one analysis tile needs, with room. */
export const MAX_REGION_PIXELS = 16_000_000;
/** Largest slide side we accept (a 200,000-px side is beyond any scanner's level 0). */
export const MAX_SLIDE_SIDE = 200_000;
/** Decoded chunks kept for neighbouring regions (overlap between analysis tiles). */
const CACHE_CHUNKS = 64;
/**
 * ...and at most this many bytes of them. 64 tiles of 1024² RGB fit; a file with huge tiles or
 * strips (up to 16.7 MP, 50 MB decoded, each) keeps fewer instead of 64 × 50 MB.
 */
export const CACHE_BYTES = 192 * 1024 * 1024;
/** Largest tile or strip decoded at once (pixels); 2^24 = 4096 × 4096. */
const MAX_CHUNK_PIXELS = 16_777_216;
/** No chunk's compressed bytes may exceed this (a corrupt byte count would). */
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

const COMPRESSION_NAMES: Record<number, string> = {
  1: 'none',
  5: 'LZW',
  7: 'JPEG',
  8: 'Deflate',
  32946: 'Deflate',
};

/**
 * A tag that holds a size, a code or an offset: a whole number ≥ 0. A damaged directory can give
 * such a tag a float or signed type, whose value (1.2e-41, −3) must not become a pixel count, a
 * file position or a number in a message (found by the slide fuzzer, tests/fuzz-slide.test.ts).
 */
function whole(ifd: TiffDirectory, tag: number, fallback: number): number {
  const v = tagNumber(ifd, tag, fallback);
  if (!Number.isSafeInteger(v) || v < 0)
    throw new ImageDecodeError(`The TIFF file is corrupt (tag ${tag} is not a whole number).`);
  return v;
}

/** All values of an offsets / byte-counts tag, each a whole number ≥ 0 (see `whole`). */
function wholes(ifd: TiffDirectory, tag: number): number[] | undefined {
  const v = tagNumbers(ifd, tag);
  if (v?.some((x) => !Number.isSafeInteger(x) || x < 0))
    throw new ImageDecodeError(`The TIFF file is corrupt (tag ${tag} is not a whole number).`);
  return v;
}

function levelOf(ifd: TiffDirectory): Omit<SlideLevel, 'downsample'> | null {
  const width = whole(ifd, T.width, 0);
  const height = whole(ifd, T.height, 0);
  if (!(width > 0 && height > 0)) return null;
  const tiled = ifd.tags.has(T.tileWidth);
  const chunkW = tiled ? whole(ifd, T.tileWidth, 0) : width;
  const chunkH = tiled
    ? whole(ifd, T.tileLength, 0)
    : Math.min(Math.max(1, whole(ifd, T.rowsPerStrip, height)), height);
  return { width, height, chunkW, chunkH, tiled, ifd };
}

/** Open a TIFF slide: read its directories, pick level 0 and the pyramid levels below it. */
export async function openTiffSlide(
  source: ByteSource,
  options: SlideOpenOptions = {},
): Promise<TiffSlide> {
  const cacheBytes = options.cacheBytes ?? CACHE_BYTES;
  const file = await readTiff(source);
  const candidates = file.ifds
    .map(levelOf)
    .filter((l): l is Omit<SlideLevel, 'downsample'> => l !== null)
    // Masks and thumbnails of other aspect ratios are not pyramid levels.
    .filter((l) => (whole(l.ifd, T.newSubfileType, 0) & 4) === 0);
  if (candidates.length === 0) throw new ImageDecodeError('The TIFF file contains no image.');
  const base = candidates.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  if (base.width > MAX_SLIDE_SIDE || base.height > MAX_SLIDE_SIDE)
    throw new ImageDecodeError(
      `The slide is implausibly large (${base.width}×${base.height} pixels); the file may be damaged.`,
    );
  const aspect = base.width / base.height;
  const levels: SlideLevel[] = candidates
    .filter((l) => Math.abs(l.width / l.height - aspect) < 0.02 * aspect || l === base)
    .map((l) => ({ ...l, downsample: base.width / l.width }))
    .sort((a, b) => a.downsample - b.downsample);
  for (const l of levels) validateLevel(l, source.size);
  const le = file.littleEndian;
  const cache = new Map<string, Uint8Array>();
  let cached = 0;

  async function chunk(level: SlideLevel, index: number): Promise<Uint8Array> {
    const key = `${levels.indexOf(level)}:${index}`;
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const rgb = await decodeChunk(source, level, index, le);
    // Two reads in flight can decode the same chunk: count it once.
    const twin = cache.get(key);
    if (twin) {
      cached -= twin.length;
      cache.delete(key);
    }
    cache.set(key, rgb);
    cached += rgb.length;
    // Least recently used first; the chunk just decoded stays.
    while (cache.size > 1 && (cache.size > CACHE_CHUNKS || cached > cacheBytes)) {
      const oldest = cache.keys().next().value as string;
      cached -= cache.get(oldest)!.length;
      cache.delete(oldest);
    }
    return rgb;
  }

  const pixelSize = slidePixelSize(base.ifd, file.ifds[0]);
  return {
    width: base.width,
    height: base.height,
    levels,
    ...(pixelSize ? { pixelSize } : {}),
    cachedBytes: () => cached,
    async readRegion(x, y, w, h, levelIndex = 0) {
      const level = levels[levelIndex];
      if (!level) throw new RangeError(`no level ${levelIndex}`);
      if (w * h > MAX_REGION_PIXELS || w < 1 || h < 1)
        throw new RangeError(`region ${w}×${h} is outside 1..${MAX_REGION_PIXELS} pixels`);
      const out = new Uint8ClampedArray(w * h * 4);
      // Outside the image: white, like an empty slide area.
      out.fill(255);
      const x0 = Math.max(0, x);
      const y0 = Math.max(0, y);
      const x1 = Math.min(level.width, x + w);
      const y1 = Math.min(level.height, y + h);
      const across = Math.ceil(level.width / level.chunkW);
      for (let cy = Math.floor(y0 / level.chunkH); cy * level.chunkH < y1; cy++)
        for (let cx = Math.floor(x0 / level.chunkW); cx * level.chunkW < x1; cx++) {
          const rgb = await chunk(level, cy * across + cx);
          const sx0 = Math.max(x0, cx * level.chunkW);
          const sx1 = Math.min(x1, (cx + 1) * level.chunkW);
          for (
            let sy = Math.max(y0, cy * level.chunkH);
            sy < Math.min(y1, (cy + 1) * level.chunkH);
            sy++
          ) {
            const srcRow = (sy - cy * level.chunkH) * level.chunkW;
            const dstRow = (sy - y) * w;
            for (let sx = sx0; sx < sx1; sx++) {
              const s = 3 * (srcRow + sx - cx * level.chunkW);
              const d = 4 * (dstRow + sx - x);
              out[d] = rgb[s];
              out[d + 1] = rgb[s + 1];
              out[d + 2] = rgb[s + 2];
            }
          }
        }
      return { width: w, height: h, data: out };
    },
  };
}

function validateLevel(l: SlideLevel, fileSize: number): void {
  const cmpr = whole(l.ifd, T.compression, 1);
  if (!(cmpr in COMPRESSION_NAMES))
    throw new ImageDecodeError(
      `This TIFF uses a compression PapLens cannot read in big images (code ${cmpr}); JPEG, LZW, Deflate or none are supported.`,
    );
  const spp = whole(l.ifd, T.samplesPerPixel, 1);
  const bps = whole(l.ifd, T.bitsPerSample, 8);
  if (![1, 3, 4].includes(spp) || ![8, 16].includes(bps) || (cmpr === 7 && bps !== 8))
    throw new ImageDecodeError(
      `This TIFF stores ${spp} samples of ${bps} bits per pixel; big images must be 8- or 16-bit grey, RGB or RGBA.`,
    );
  if (whole(l.ifd, T.planar, 1) !== 1)
    throw new ImageDecodeError(
      'This TIFF stores colour planes separately, which PapLens cannot read.',
    );
  if (l.chunkW < 1 || l.chunkH < 1)
    throw new ImageDecodeError('The TIFF file is corrupt (bad tile size).');
  // A valid file can have one huge strip (a whole 40 MP scan in one piece): not corrupt, but
  // too big a piece to decode at once within the memory bound; say what to do instead.
  if (l.chunkW * l.chunkH > MAX_CHUNK_PIXELS)
    throw new ImageDecodeError(
      `This TIFF stores the image in ${l.tiled ? 'tiles' : 'strips'} of ${l.chunkW}×${l.chunkH} pixels; big images are read in pieces of at most ${MAX_CHUNK_PIXELS.toLocaleString('en')} pixels. Please save it as a tiled TIFF (for instance \`vips tiffsave in.tif out.tif --tile --pyramid\`).`,
    );
  const offsets = wholes(l.ifd, l.tiled ? T.tileOffsets : T.stripOffsets);
  const counts = wholes(l.ifd, l.tiled ? T.tileByteCounts : T.stripByteCounts);
  const n = Math.ceil(l.width / l.chunkW) * Math.ceil(l.height / l.chunkH);
  if (!offsets || !counts || offsets.length < n || counts.length < n)
    throw new ImageDecodeError(
      `The TIFF file is corrupt (${offsets?.length ?? 0} ${l.tiled ? 'tiles' : 'strips'} listed, ${n} needed).`,
    );
  for (let i = 0; i < n; i++)
    if (offsets[i] + counts[i] > fileSize || counts[i] > MAX_CHUNK_BYTES)
      throw new ImageDecodeError(
        `The TIFF file is truncated or corrupt (${l.tiled ? 'tile' : 'strip'} ${i} lies outside the file).`,
      );
}

/** Decode one tile/strip to packed RGB8 (chunkW × chunkH × 3). */
async function decodeChunk(
  source: ByteSource,
  level: SlideLevel,
  index: number,
  le: boolean,
): Promise<Uint8Array> {
  const ifd = level.ifd;
  const offsets = wholes(ifd, level.tiled ? T.tileOffsets : T.stripOffsets)!;
  const counts = wholes(ifd, level.tiled ? T.tileByteCounts : T.stripByteCounts)!;
  const cmpr = whole(ifd, T.compression, 1);
  const spp = whole(ifd, T.samplesPerPixel, 1);
  const bps = whole(ifd, T.bitsPerSample, 8);
  const { chunkW: w, chunkH: h } = level;
  const raw = await source.read(offsets[index], counts[index]);
  const rgb = new Uint8Array(w * h * 3);
  try {
    if (cmpr === 7) {
      const img = jpeg.decode(withJpegTables(raw, ifd.tags.get(T.jpegTables)), {
        useTArray: true,
        formatAsRGBA: false,
        colorTransform: whole(ifd, T.photometric, 6) === 6 ? true : undefined,
        maxResolutionInMP: 20,
        maxMemoryUsageInMB: 256,
      });
      const n = Math.min(img.width, w);
      const comps = img.data.length / (img.width * img.height);
      for (let y = 0; y < Math.min(img.height, h); y++)
        for (let x = 0; x < n; x++) {
          const s = comps * (y * img.width + x);
          const d = 3 * (y * w + x);
          rgb[d] = img.data[s];
          rgb[d + 1] = img.data[comps >= 3 ? s + 1 : s];
          rgb[d + 2] = img.data[comps >= 3 ? s + 2 : s];
        }
      return rgb;
    }
    const bytesPerSample = bps / 8;
    const samples = new Uint8Array(w * h * spp * bytesPerSample);
    if (cmpr === 1) samples.set(raw.subarray(0, samples.length));
    else if (cmpr === 5) decodeLzw(raw, 0, raw.length, samples, 0);
    else samples.set(await inflateAtMost(raw, samples.length));
    if (whole(ifd, T.predictor, 1) === 2) undoPredictor(samples, w, h, spp, bytesPerSample, le);
    for (let p = 0; p < w * h; p++)
      for (let c = 0; c < 3; c++) {
        const k = (p * spp + (spp >= 3 ? c : 0)) * bytesPerSample;
        // 16-bit: keep the high byte.
        rgb[3 * p + c] = bytesPerSample === 2 ? samples[k + (le ? 1 : 0)] : samples[k];
      }
    return rgb;
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    // jpeg-js names its own option when a tile's JPEG announces more pixels than allowed.
    const detail = /maxResolutionInMP/.test(String((e as Error).message))
      ? ` (its JPEG announces far more pixels than the ${w}×${h} ${level.tiled ? 'tile' : 'strip'})`
      : decoderDetail(e);
    throw new ImageDecodeError(
      `A ${level.tiled ? 'tile' : 'strip'} of the TIFF file is corrupt${detail}.`,
    );
  }
}

/** JPEG-in-TIFF: tiles carry only scan data; the shared tables (347) go in front of them. */
function withJpegTables(tile: Uint8Array, tables: unknown): Uint8Array {
  if (!(tables instanceof Uint8Array) || tables.length < 4) return tile;
  // tables = SOI ... EOI; tile = SOI ... EOI → SOI + tables body + tile body.
  const body = tables.subarray(0, tables.length - 2);
  const out = new Uint8Array(body.length + tile.length - 2);
  out.set(body);
  out.set(tile.subarray(2), body.length);
  return out;
}

/** TIFF predictor 2: horizontal differencing per sample. */
function undoPredictor(
  s: Uint8Array,
  w: number,
  h: number,
  spp: number,
  bytesPerSample: number,
  le: boolean,
): void {
  if (bytesPerSample === 1) {
    for (let y = 0; y < h; y++)
      for (let i = y * w * spp + spp; i < (y + 1) * w * spp; i++) s[i] = (s[i] + s[i - spp]) & 255;
    return;
  }
  const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
  for (let y = 0; y < h; y++)
    for (let i = y * w * spp + spp; i < (y + 1) * w * spp; i++)
      dv.setUint16(2 * i, (dv.getUint16(2 * i, le) + dv.getUint16(2 * (i - spp), le)) & 0xffff, le);
}
