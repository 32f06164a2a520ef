// Writes tiled, pyramidal TIFF slides (classic TIFF or BigTIFF; JPEG, LZW or Deflate tiles) from
// RGBA images, as slide scanners lay them out: level 0 first, then each 2× downsampled level as
// a reduced-resolution IFD. Used to generate test slides (no binaries from elsewhere).
import jpeg from 'jpeg-js';
import { deflateSync } from 'node:zlib';
import type { RgbaImage } from '../../src/core/image/types';
import { lzwEncode } from './tiff-writer';

export interface SlideWriteOptions {
  tile?: number;
  compression?: 'jpeg' | 'lzw' | 'deflate';
  bigTiff?: boolean;
  /** Levels below level 0 (each half the size of the one above). */
  pyramidLevels?: number;
  jpegQuality?: number;
  /** µm per level-0 pixel, written as XResolution/YResolution in pixels per centimetre. */
  pixelSizeUm?: number;
}

/** Box-filter 2× downsample (edge pixels repeated). */
export function halve(img: RgbaImage): RgbaImage {
  const w = Math.max(1, Math.ceil(img.width / 2));
  const h = Math.max(1, Math.ceil(img.height / 2));
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (const [dx, dy] of [
          [0, 0],
          [1, 0],
          [0, 1],
          [1, 1],
        ]) {
          const sx = Math.min(img.width - 1, 2 * x + dx);
          const sy = Math.min(img.height - 1, 2 * y + dy);
          s += img.data[4 * (sy * img.width + sx) + c];
        }
        out[4 * (y * w + x) + c] = s / 4;
      }
  return { width: w, height: h, data: out };
}

/** The RGBA pixels of one t × t tile of `img` (white beyond its edges). */
export function rgbaTile(img: RgbaImage, tx: number, ty: number, t: number): Uint8Array {
  const rgba = new Uint8Array(t * t * 4).fill(255);
  for (let y = 0; y < t && ty + y < img.height; y++) {
    const n = Math.min(t, img.width - tx);
    rgba.set(
      img.data.subarray(4 * ((ty + y) * img.width + tx), 4 * ((ty + y) * img.width + tx + n)),
      4 * y * t,
    );
  }
  return rgba;
}

function tileBytes(rgba: Uint8Array, t: number, o: SlideWriteOptions): Uint8Array {
  if (o.compression === 'jpeg' || o.compression === undefined)
    return new Uint8Array(
      jpeg.encode({ width: t, height: t, data: rgba }, o.jpegQuality ?? 90).data,
    );
  const rgb = new Uint8Array(t * t * 3);
  for (let i = 0; i < t * t; i++) rgb.set(rgba.subarray(4 * i, 4 * i + 3), 3 * i);
  return o.compression === 'lzw' ? lzwEncode(rgb) : new Uint8Array(deflateSync(rgb));
}

/**
 * One level as tiles made on demand (RGBA, t × t, pixel (tx, ty) at the top left): a slide far
 * bigger than memory allows as one image (a 20,000² test slide) is written tile by tile.
 */
export interface TiledLevel {
  width: number;
  height: number;
  tile(tx: number, ty: number, t: number): Uint8Array;
}

/** Encode `level0` (and its pyramid) as a tiled TIFF. */
export function encodeSlide(level0: RgbaImage, opts: SlideWriteOptions = {}): Uint8Array {
  const images = [level0];
  for (let i = 0; i < (opts.pyramidLevels ?? 0); i++) images.push(halve(images[images.length - 1]));
  return encodeTiledLevels(
    images.map((img) => ({
      width: img.width,
      height: img.height,
      tile: (tx, ty, t) => rgbaTile(img, tx, ty, t),
    })),
    opts,
  );
}

/** Encode levels given as tiles (level 0 first, then each reduced level) as a tiled TIFF. */
export function encodeTiledLevels(levels: TiledLevel[], opts: SlideWriteOptions = {}): Uint8Array {
  const t = opts.tile ?? 256;
  const big = opts.bigTiff ?? false;
  const cmpr = opts.compression === 'lzw' ? 5 : opts.compression === 'deflate' ? 8 : 7;

  // Lay out: header, then per level: tile data, then its IFD with out-of-line values.
  const parts: Uint8Array[] = [];
  let size = big ? 16 : 8;
  const push = (b: Uint8Array): number => {
    const at = size;
    parts.push(b);
    size += b.length;
    if (size & 1) {
      parts.push(new Uint8Array(1));
      size++;
    }
    return at;
  };
  const ifdOffsets: number[] = [];
  const nextFields: number[] = [];
  for (const [li, img] of levels.entries()) {
    const offsets: number[] = [];
    const counts: number[] = [];
    for (let ty = 0; ty < img.height; ty += t)
      for (let tx = 0; tx < img.width; tx += t) {
        const b = tileBytes(img.tile(tx, ty, t), t, opts);
        offsets.push(push(b));
        counts.push(b.length);
      }
    const longType = big ? 16 : 4;
    const entries: [number, number, number[]][] = [
      [254, 4, [li === 0 ? 0 : 1]],
      [256, 4, [img.width]],
      [257, 4, [img.height]],
      [258, 3, [8, 8, 8]],
      [259, 3, [cmpr]],
      [262, 3, [cmpr === 7 ? 6 : 2]],
      [277, 3, [3]],
      [284, 3, [1]],
      [322, 4, [t]],
      [323, 4, [t]],
      [324, longType, offsets],
      [325, longType, counts],
    ];
    if (cmpr === 7) entries.push([530, 3, [1, 1]]);
    if (li === 0 && opts.pixelSizeUm) {
      // RATIONAL values are written as [numerator, denominator] pairs.
      const perCm = [Math.round((1e4 / opts.pixelSizeUm) * 1000), 1000];
      entries.push([282, 5, perCm], [283, 5, perCm], [296, 3, [3]]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    // Bytes per listed number (a RATIONAL's two numbers are 4 bytes each).
    const typeSize = (ty: number): number => (ty === 3 ? 2 : ty === 16 ? 8 : 4);
    const count = (ty: number, vals: number[]): number =>
      ty === 5 ? vals.length / 2 : vals.length;
    const inline = big ? 8 : 4;
    // Out-of-line values first, then the IFD that points at them.
    const valueAt = entries.map(([, ty, vals]) => {
      const n = vals.length * typeSize(ty);
      if (n <= inline) return -1;
      const b = new Uint8Array(n);
      const dv = new DataView(b.buffer);
      vals.forEach((v, i) => write(dv, i * typeSize(ty), ty, v));
      return push(b);
    });
    const entrySize = big ? 20 : 12;
    const head = big ? 8 : 2;
    const ifd = new Uint8Array(head + entries.length * entrySize + (big ? 8 : 4));
    const dv = new DataView(ifd.buffer);
    if (big) dv.setBigUint64(0, BigInt(entries.length), true);
    else dv.setUint16(0, entries.length, true);
    entries.forEach(([tag, ty, vals], i) => {
      const e = head + i * entrySize;
      dv.setUint16(e, tag, true);
      dv.setUint16(e + 2, ty, true);
      if (big) dv.setBigUint64(e + 4, BigInt(count(ty, vals)), true);
      else dv.setUint32(e + 4, count(ty, vals), true);
      const field = e + (big ? 12 : 8);
      if (valueAt[i] < 0) vals.forEach((v, j) => write(dv, field + j * typeSize(ty), ty, v));
      else if (big) dv.setBigUint64(field, BigInt(valueAt[i]), true);
      else dv.setUint32(field, valueAt[i], true);
    });
    const at = push(ifd);
    ifdOffsets.push(at);
    nextFields.push(at + ifd.length - (big ? 8 : 4));
  }
  const out = new Uint8Array(size);
  let o = big ? 16 : 8;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  const dv = new DataView(out.buffer);
  out.set([0x49, 0x49]);
  if (big) {
    dv.setUint16(2, 43, true);
    dv.setUint16(4, 8, true);
    dv.setBigUint64(8, BigInt(ifdOffsets[0]), true);
  } else {
    dv.setUint16(2, 42, true);
    dv.setUint32(4, ifdOffsets[0], true);
  }
  for (let i = 0; i + 1 < ifdOffsets.length; i++)
    if (big) dv.setBigUint64(nextFields[i], BigInt(ifdOffsets[i + 1]), true);
    else dv.setUint32(nextFields[i], ifdOffsets[i + 1], true);
  return out;
}

function write(dv: DataView, at: number, type: number, v: number): void {
  if (type === 3) dv.setUint16(at, v, true);
  else if (type === 16) dv.setBigUint64(at, BigInt(v), true);
  else dv.setUint32(at, v, true);
}
