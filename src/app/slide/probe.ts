import { MAX_PIXELS } from '../../core/image/decode';
import { ImageDecodeError } from '../../core/image/errors';
import { readTiff, TIFF_TAGS as T, tagNumber } from '../../core/image/tiff-ifd';
import { looksLikeTiff, type ByteSource } from '../../core/slide/byte-source';
import { openTiffSlide, type TiffSlide } from '../../core/slide/tiff-slide';

/**
 * Decides, before anything is decoded, whether a dropped file is a whole slide (analysed tile by
 * tile, never decoded whole) or an ordinary image (the decode worker, as before). Runs in the
 * slide reader worker: only the header and the directories are read.
 */

/** A tiled image at least this big is a slide even with no pyramid (one screen of tiles). */
export const SLIDE_MIN_TILED_PIXELS = 16_000_000;

export interface SlideLevelInfo {
  width: number;
  height: number;
  downsample: number;
}

export interface SlideInfo {
  width: number;
  height: number;
  levels: SlideLevelInfo[];
}

export type SlideProbe =
  | { kind: 'image' }
  | { kind: 'slide'; info: SlideInfo }
  /** Meant to be a slide (pyramid, tiles, beyond the single-image limit) but unreadable. */
  | { kind: 'damaged'; message: string };

export function slideInfo(slide: TiffSlide): SlideInfo {
  return {
    width: slide.width,
    height: slide.height,
    levels: slide.levels.map((l) => ({
      width: l.width,
      height: l.height,
      downsample: l.downsample,
    })),
  };
}

/**
 * Slide: a tiled pyramid (level 0 plus a reduced level of the same aspect), a tiled image of at
 * least SLIDE_MIN_TILED_PIXELS, or any TIFF beyond the single-image limit (MAX_PIXELS). Small
 * tiled or multi-page TIFFs stay ordinary images, so nothing changes for them.
 */
export async function probeSlide(source: ByteSource): Promise<SlideProbe> {
  if (!looksLikeTiff(await source.read(0, 4))) return { kind: 'image' };
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
