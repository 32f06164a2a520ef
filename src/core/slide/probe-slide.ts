import { headerPixels, MAX_PIXELS, sniffFormat } from '../image/decode';
import { ImageDecodeError } from '../image/errors';
import { readTiff, TIFF_TAGS as T, tagNumber } from '../image/tiff-ifd';
import { looksLikeTiff, type ByteSource } from './byte-source';
import { RASTER_SLIDE_MIN_PIXELS } from './raster-slide';
import type { PixelSize } from './calibration';
import type { Slide, SlideLevelSize } from './slide';
import { openTiffSlide } from './tiff-slide';

/**
 * Decides, before anything is decoded, whether a file is a whole slide (viewed and analysed tile
 * by tile) or an ordinary image. One rule for the app (slide reader worker) and the CLI: only
 * the header and, for TIFFs, the directories are read.
 */

/** A tiled image at least this big is a slide even with no pyramid (one screen of tiles). */
export const SLIDE_MIN_TILED_PIXELS = 16_000_000;
/** Bytes read to find a JPEG's frame header (it follows EXIF and other APP segments). */
const HEADER_BYTES = 1 << 20;

export type SlideLevelInfo = SlideLevelSize;

export interface SlideInfo {
  width: number;
  height: number;
  levels: SlideLevelInfo[];
  /** Level 0's pixel size as the file states it. */
  pixelSize?: PixelSize;
}

export type SlideProbe =
  | { kind: 'image' }
  | { kind: 'slide'; info: SlideInfo }
  /** A JPEG/PNG big enough to be a slide: decoded once (under the decode budget), then tiled. */
  | { kind: 'raster'; pixels: number }
  /** Meant to be a slide (pyramid, tiles, beyond the single-image limit) but unreadable. */
  | { kind: 'damaged'; message: string };

export function slideInfo(slide: Slide): SlideInfo {
  return {
    width: slide.width,
    height: slide.height,
    levels: slide.levels.map((l) => ({
      width: l.width,
      height: l.height,
      downsample: l.downsample,
    })),
    ...(slide.pixelSize ? { pixelSize: slide.pixelSize } : {}),
  };
}

/**
 * Slide: a TIFF that is a tiled pyramid (level 0 plus a reduced level of the same aspect), tiled
 * and at least SLIDE_MIN_TILED_PIXELS, or beyond the single-image limit (MAX_PIXELS); or a
 * JPEG/PNG of at least RASTER_SLIDE_MIN_PIXELS (`raster`; above MAX_PIXELS the decoder refuses
 * it with its message). Small tiled or multi-page TIFFs stay ordinary images.
 */
export async function probeSlide(source: ByteSource): Promise<SlideProbe> {
  const head = await source.read(0, Math.min(source.size, HEADER_BYTES));
  if (!looksLikeTiff(head)) {
    const format = sniffFormat(head);
    const pixels = format === 'png' || format === 'jpeg' ? headerPixels(head) : null;
    return pixels !== null && pixels >= RASTER_SLIDE_MIN_PIXELS
      ? { kind: 'raster', pixels }
      : { kind: 'image' };
  }
  let dirs;
  try {
    dirs = (await readTiff(source)).ifds;
  } catch {
    return { kind: 'image' }; // the whole-image decoder gives its own message
  }
  const dims = dirs
    .map((ifd) => ({
      w: tagNumber(ifd, T.width, 0),
      h: tagNumber(ifd, T.height, 0),
      tiled: ifd.tags.has(T.tileWidth),
      mask: (tagNumber(ifd, T.newSubfileType, 0) & 4) !== 0,
    }))
    .filter((d) => d.w > 0 && d.h > 0 && !d.mask);
  if (dims.length === 0) return { kind: 'image' };
  const base = dims.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a));
  const pixels = base.w * base.h;
  const pyramid = dims.some(
    (d) =>
      d !== base &&
      d.w < base.w &&
      Math.abs(d.w / d.h - base.w / base.h) < 0.02 * (base.w / base.h),
  );
  const slideLike =
    pixels > MAX_PIXELS ||
    (base.tiled && pyramid) ||
    (base.tiled && pixels >= SLIDE_MIN_TILED_PIXELS);
  if (!slideLike) return { kind: 'image' };
  try {
    return { kind: 'slide', info: slideInfo(await openTiffSlide(source)) };
  } catch (e) {
    const why =
      e instanceof ImageDecodeError ? e.message : `The slide could not be read (${String(e)}).`;
    return { kind: 'damaged', message: why };
  }
}
