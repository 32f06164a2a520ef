import { decode as decodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import exifr from 'exifr';
import type { RgbaImage } from './types';
import { decodeBmp } from './bmp';
import { decodeTiff } from './tiff';
import { applyOrientation } from './orientation';
import { decoderDetail, ImageDecodeError } from './errors';

/** Largest image we decode (pixels). Above this a tab would run out of memory; say so instead. */
export const MAX_PIXELS = 60_000_000;
/** Smallest side we can analyse meaningfully (a nucleus is ~15–40 px across). */
export const MIN_SIDE = 16;

export type ImageFormat = 'png' | 'jpeg' | 'bmp' | 'tiff';

export { ImageDecodeError };

/** Identify the format from magic bytes (file names and MIME types lie). */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47
  )
    return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'jpeg';
  if (bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp';
  if (
    bytes.length >= 4 &&
    ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 0x2a && bytes[3] === 0) ||
      (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 0x2a))
  )
    return 'tiff';
  return null;
}

function describeUnknown(bytes: Uint8Array): string {
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).trimStart().toLowerCase();
  if (bytes.length >= 6 && head.startsWith('gif8'))
    return 'GIF images are not supported; please use PNG, JPEG, BMP or TIFF.';
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg')))
    return 'SVG drawings are not supported; please use a PNG, JPEG, BMP or TIFF photograph.';
  if (head.startsWith('%pdf'))
    return 'PDF files are not supported; please export the image as PNG, JPEG, BMP or TIFF.';
  if (bytes.length >= 12 && head.startsWith('riff') && head.slice(8, 12) === 'webp')
    return 'WebP images are not supported; please use PNG, JPEG, BMP or TIFF.';
  return 'This file is not a supported image (PNG, JPEG, BMP or TIFF).';
}

function checkSize(width: number, height: number): void {
  if (!(width > 0 && height > 0))
    throw new ImageDecodeError('The image has no pixels (width or height is 0).');
  if (width * height > MAX_PIXELS)
    throw new ImageDecodeError(
      `The image is too large (${width}×${height} pixels); the limit is ${Math.round(MAX_PIXELS / 1e6)} megapixels for PNG, JPEG and BMP. Please crop or downscale it, or save it as a tiled pyramidal TIFF (for instance \`vips tiffsave in.jpg out.tif --tile --pyramid --compression jpeg\`), which is opened at any size.`,
    );
}

/** PNG IHDR width/height, read before inflating so decompression bombs are refused cheaply. */
function pngHeaderSize(bytes: Uint8Array): [number, number] | null {
  if (bytes.length < 24) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [dv.getUint32(16), dv.getUint32(20)];
}

/** JPEG SOFn width/height, scanned from the marker stream. */
function jpegHeaderSize(bytes: Uint8Array): [number, number] | null {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return [(bytes[i + 7] << 8) | bytes[i + 8], (bytes[i + 5] << 8) | bytes[i + 6]];
    }
    i += 2 + len;
  }
  return null;
}

/** [width, height] from the header of a PNG, JPEG or BMP file (cheap, bounded scan), or null. */
export function headerSize(bytes: Uint8Array): [number, number] | null {
  const format = sniffFormat(bytes);
  if (format === 'png') return pngHeaderSize(bytes);
  if (format === 'jpeg') return jpegHeaderSize(bytes);
  if (format === 'bmp' && bytes.length >= 26) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return [Math.abs(dv.getInt32(18, true)), Math.abs(dv.getInt32(22, true))];
  }
  return null;
}

/**
 * Pixel count from the header (`headerSize`), or null. Used to give big images a longer decode
 * budget before they are decoded.
 */
export function headerPixels(bytes: Uint8Array): number | null {
  const wh = headerSize(bytes);
  return wh ? wh[0] * wh[1] : null;
}

function to8bit(v: number, depth: number): number {
  return depth === 16 ? v >> 8 : depth === 8 ? v : Math.round((v * 255) / ((1 << depth) - 1));
}

function pngToRgba(bytes: Uint8Array): RgbaImage {
  const hdr = pngHeaderSize(bytes);
  if (!hdr) throw new ImageDecodeError('The PNG file is truncated (no complete header).');
  checkSize(hdr[0], hdr[1]);
  let png;
  try {
    png = decodePng(bytes);
  } catch (e) {
    throw new ImageDecodeError(`The PNG file is corrupt or truncated${decoderDetail(e)}.`);
  }
  const { width, height, channels, palette } = png;
  let { depth } = png;
  let src = png.data;
  if (depth < 8) {
    // fast-png leaves 1/2/4-bit samples packed (rows padded to whole bytes): unpack them.
    const perRow = width * channels;
    const rowBytes = Math.ceil((perRow * depth) / 8);
    const packed = src as Uint8Array;
    const unpacked = new Uint8Array(perRow * height);
    const mask = (1 << depth) - 1;
    for (let y = 0; y < height; y++) {
      for (let j = 0; j < perRow; j++) {
        const bit = j * depth;
        const byte = packed[y * rowBytes + (bit >> 3)];
        unpacked[y * perRow + j] = (byte >> (8 - depth - (bit & 7))) & mask;
      }
    }
    src = unpacked;
    if (palette) depth = 8;
  }
  const out = new Uint8ClampedArray(width * height * 4);
  const n = width * height;
  if (palette) {
    for (let i = 0; i < n; i++) {
      const c = palette[src[i]] ?? [0, 0, 0];
      out[4 * i] = c[0];
      out[4 * i + 1] = c[1];
      out[4 * i + 2] = c[2];
      out[4 * i + 3] = c.length > 3 ? (c[3] ?? 255) : 255;
    }
    return { width, height, data: out };
  }
  for (let i = 0; i < n; i++) {
    const s = i * channels;
    if (channels === 1 || channels === 2) {
      const g = to8bit(src[s], depth);
      out[4 * i] = g;
      out[4 * i + 1] = g;
      out[4 * i + 2] = g;
      out[4 * i + 3] = channels === 2 ? to8bit(src[s + 1], depth) : 255;
    } else {
      out[4 * i] = to8bit(src[s], depth);
      out[4 * i + 1] = to8bit(src[s + 1], depth);
      out[4 * i + 2] = to8bit(src[s + 2], depth);
      out[4 * i + 3] = channels === 4 ? to8bit(src[s + 3], depth) : 255;
    }
  }
  return { width, height, data: out };
}

function jpegToRgba(bytes: Uint8Array): RgbaImage {
  const hdr = jpegHeaderSize(bytes);
  if (!hdr) throw new ImageDecodeError('The JPEG file is truncated or corrupt (no frame header).');
  checkSize(hdr[0], hdr[1]);
  try {
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: false,
      maxResolutionInMP: MAX_PIXELS / 1e6,
      maxMemoryUsageInMB: 2048,
    });
    return {
      width: img.width,
      height: img.height,
      data: new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length),
    };
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/component|cmyk|unsupported color/i.test(msg))
      throw new ImageDecodeError(
        `This JPEG uses an unsupported colour format (${msg}). Please save it as RGB.`,
      );
    throw new ImageDecodeError(`The JPEG file is corrupt or truncated${decoderDetail(e)}.`);
  }
}

async function exifOrientation(bytes: Uint8Array): Promise<number> {
  try {
    const o = await exifr.orientation(bytes);
    return typeof o === 'number' ? o : 1;
  } catch {
    return 1; // Broken EXIF must not block an otherwise readable image.
  }
}

/**
 * Decode PNG/JPEG/BMP/TIFF bytes to 8-bit RGBA, honouring EXIF orientation.
 * Pure JavaScript so the browser, workers and Node produce identical pixels.
 * Throws ImageDecodeError with a user-facing message for anything it cannot read.
 */
export async function decodeImage(input: Uint8Array | ArrayBuffer): Promise<RgbaImage> {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length === 0) throw new ImageDecodeError('The file is empty.');
  const format = sniffFormat(bytes);
  if (!format) throw new ImageDecodeError(describeUnknown(bytes));
  let img: RgbaImage;
  switch (format) {
    case 'png':
      img = pngToRgba(bytes);
      break;
    case 'jpeg':
      img = jpegToRgba(bytes);
      break;
    case 'bmp':
      img = decodeBmp(bytes, checkSize);
      break;
    case 'tiff':
      img = await decodeTiff(bytes, checkSize);
      break;
  }
  if (format === 'jpeg' || format === 'tiff') {
    const o = await exifOrientation(bytes);
    if (o !== 1) img = applyOrientation(img, o);
  }
  if (img.width < MIN_SIDE || img.height < MIN_SIDE)
    throw new ImageDecodeError(
      `The image is too small (${img.width}×${img.height} pixels); at least ${MIN_SIDE}×${MIN_SIDE} is needed to see a nucleus.`,
    );
  return img;
}
