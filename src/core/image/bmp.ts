import type { RgbaImage } from './types';
import { ImageDecodeError } from './errors';

/**
 * Uncompressed BMP (1/4/8-bit paletted, 24-bit, 32-bit BI_RGB/BITFIELDS), bottom-up or top-down.
 * No maintained npm decoder covers this small format, so it lives here.
 */
export function decodeBmp(bytes: Uint8Array, checkSize: (w: number, h: number) => void): RgbaImage {
  if (bytes.length < 54)
    throw new ImageDecodeError('The BMP file is truncated (no complete header).');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  checkSize(width, height);
  if (compression !== 0 && compression !== 3)
    throw new ImageDecodeError(
      'This BMP uses run-length compression, which is not supported; please save it uncompressed or as PNG.',
    );
  if (![1, 4, 8, 24, 32].includes(bpp))
    throw new ImageDecodeError(`BMP with ${bpp} bits per pixel is not supported.`);
  const rowSize = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + rowSize * height > bytes.length)
    throw new ImageDecodeError('The BMP file is truncated (pixel data is missing).');
  let palette: Uint8Array | null = null;
  if (bpp <= 8) {
    const count = dv.getUint32(46, true) || 1 << bpp;
    const start = 14 + headerSize;
    palette = bytes.subarray(start, start + count * 4);
  }
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * rowSize;
    for (let x = 0; x < width; x++) {
      const o = 4 * (y * width + x);
      if (bpp === 24 || bpp === 32) {
        const p = row + x * (bpp / 8);
        out[o] = bytes[p + 2];
        out[o + 1] = bytes[p + 1];
        out[o + 2] = bytes[p];
        out[o + 3] = 255;
      } else {
        const bitPos = x * bpp;
        const byte = bytes[row + (bitPos >> 3)];
        const idx = (byte >> (8 - bpp - (bitPos & 7))) & ((1 << bpp) - 1);
        const pi = 4 * idx;
        out[o] = palette![pi + 2] ?? 0;
        out[o + 1] = palette![pi + 1] ?? 0;
        out[o + 2] = palette![pi] ?? 0;
        out[o + 3] = 255;
      }
    }
  }
  return { width, height, data: out };
}
