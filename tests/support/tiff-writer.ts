// A small baseline-TIFF writer for generated test inputs (no binaries from elsewhere): strips or
// tiles, none / LZW / Deflate compression, 8- or 16-bit, grey or RGB, little-endian. The fuzzer
// mutates its output; round-trip tests check it against our decoder.
import { deflateSync } from 'node:zlib';

export type TiffCompression = 'none' | 'lzw' | 'deflate';

export interface TiffOptions {
  compression?: TiffCompression;
  /** 1 (grey) or 3 (RGB). */
  channels?: 1 | 3;
  bits?: 8 | 16;
  /** Tile size (a multiple of 16); strips when absent. */
  tile?: number;
  rowsPerStrip?: number;
}

/** TIFF LZW (MSB-first codes, 9–12 bits, libtiff's code-width schedule). */
export function lzwEncode(data: Uint8Array): Uint8Array {
  const CLEAR = 256;
  const EOI = 257;
  const out: number[] = [];
  let acc = 0;
  let accBits = 0;
  const put = (code: number, width: number): void => {
    acc = (acc << width) | code;
    accBits += width;
    while (accBits >= 8) {
      out.push((acc >>> (accBits - 8)) & 255);
      accBits -= 8;
    }
    acc &= (1 << accBits) - 1;
  };
  let dict = new Map<number, number>();
  let nbits = 9;
  let free = 258;
  const bump = (): void => {
    free++;
    if (free === 4094) {
      put(CLEAR, nbits);
      dict = new Map();
      nbits = 9;
      free = 258;
    } else if (free > (1 << nbits) - 1) nbits++;
  };
  put(CLEAR, nbits);
  if (data.length === 0) {
    put(EOI, nbits);
  } else {
    let w = data[0];
    for (let i = 1; i < data.length; i++) {
      const key = w * 256 + data[i];
      const hit = dict.get(key);
      if (hit !== undefined) {
        w = hit;
        continue;
      }
      put(w, nbits);
      dict.set(key, free);
      bump();
      w = data[i];
    }
    put(w, nbits);
    bump();
    put(EOI, nbits);
  }
  if (accBits > 0) out.push((acc << (8 - accBits)) & 255);
  return new Uint8Array(out);
}

function compress(raw: Uint8Array, c: TiffCompression): Uint8Array {
  if (c === 'lzw') return lzwEncode(raw);
  if (c === 'deflate') return new Uint8Array(deflateSync(raw));
  return raw;
}

/** Pixel samples for a test image: smooth gradients plus dark blobs (nucleus-like). */
export function samplePixels(w: number, h: number, channels: 1 | 3, bits: 8 | 16): Uint8Array {
  const bps = bits / 8;
  const out = new Uint8Array(w * h * channels * bps);
  const dv = new DataView(out.buffer);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const blob = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (Math.min(w, h) / 5) ** 2 ? 0.35 : 1;
      for (let c = 0; c < channels; c++) {
        const v = Math.round((150 + ((x * 3 + y * 2 + c * 40) % 90)) * blob) & 255;
        const i = (y * w + x) * channels + c;
        if (bits === 8) out[i] = v;
        else dv.setUint16(i * 2, v * 257, true);
      }
    }
  return out;
}

/** Encode samples (interleaved, row-major, little-endian for 16-bit) as a TIFF file. */
export function encodeTiff(
  w: number,
  h: number,
  samples: Uint8Array,
  opts: TiffOptions = {},
): Uint8Array {
  const compression = opts.compression ?? 'none';
  const channels = opts.channels ?? 3;
  const bits = opts.bits ?? 8;
  const pxBytes = (channels * bits) / 8;
  const chunks: Uint8Array[] = [];
  if (opts.tile) {
    const t = opts.tile;
    for (let ty = 0; ty < h; ty += t)
      for (let tx = 0; tx < w; tx += t) {
        // Tiles are always full size; the part outside the image is padding (zeros).
        const raw = new Uint8Array(t * t * pxBytes);
        for (let y = 0; y < t && ty + y < h; y++) {
          const n = Math.min(t, w - tx) * pxBytes;
          const src = ((ty + y) * w + tx) * pxBytes;
          raw.set(samples.subarray(src, src + n), y * t * pxBytes);
        }
        chunks.push(compress(raw, compression));
      }
  } else {
    const rps = opts.rowsPerStrip ?? Math.max(1, Math.floor(8192 / (w * pxBytes)));
    for (let y = 0; y < h; y += rps) {
      const rows = Math.min(rps, h - y);
      chunks.push(
        compress(samples.subarray(y * w * pxBytes, (y + rows) * w * pxBytes), compression),
      );
    }
  }
  const entries: [number, number, number[]][] = []; // tag, type (3 SHORT / 4 LONG), values
  const cmpr = compression === 'lzw' ? 5 : compression === 'deflate' ? 8 : 1;
  entries.push([256, 4, [w]], [257, 4, [h]]);
  entries.push([258, 3, new Array<number>(channels).fill(bits)]);
  entries.push([259, 3, [cmpr]], [262, 3, [channels === 3 ? 2 : 1]]);
  const offsetsTag = opts.tile ? 324 : 273;
  const countsTag = opts.tile ? 325 : 279;
  entries.push([offsetsTag, 4, chunks.map(() => 0)]);
  entries.push([277, 3, [channels]]);
  if (opts.tile) entries.push([322, 4, [opts.tile]], [323, 4, [opts.tile]]);
  else entries.push([278, 4, [opts.rowsPerStrip ?? Math.max(1, Math.floor(8192 / (w * pxBytes)))]]);
  entries.push([countsTag, 4, chunks.map((c) => c.length)], [284, 3, [1]]);
  entries.sort((a, b) => a[0] - b[0]);

  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  let extra = ifdOffset + ifdSize; // out-of-line values follow the IFD
  const layout = entries.map(([, type, vals]) => {
    const size = vals.length * (type === 3 ? 2 : 4);
    if (size <= 4) return -1;
    const at = extra;
    extra += size + (size & 1);
    return at;
  });
  let dataStart = extra;
  const chunkOffsets = chunks.map((c) => {
    const at = dataStart;
    dataStart += c.length;
    return at;
  });
  const oi = entries.findIndex((e) => e[0] === offsetsTag);
  entries[oi][2] = chunkOffsets;

  const out = new Uint8Array(dataStart);
  const dv = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  dv.setUint32(4, ifdOffset, true);
  dv.setUint16(ifdOffset, entries.length, true);
  entries.forEach(([tag, type, vals], i) => {
    const e = ifdOffset + 2 + i * 12;
    dv.setUint16(e, tag, true);
    dv.setUint16(e + 2, type, true);
    dv.setUint32(e + 4, vals.length, true);
    const at = layout[i] < 0 ? e + 8 : layout[i];
    if (layout[i] >= 0) dv.setUint32(e + 8, at, true);
    vals.forEach((v, j) => {
      if (type === 3) dv.setUint16(at + 2 * j, v, true);
      else dv.setUint32(at + 4 * j, v, true);
    });
  });
  dv.setUint32(ifdOffset + 2 + entries.length * 12, 0, true);
  chunks.forEach((c, i) => out.set(c, chunkOffsets[i]));
  return out;
}

/** A generated test TIFF of the given kind. */
export function makeTiff(w: number, h: number, opts: TiffOptions = {}): Uint8Array {
  const channels = opts.channels ?? 3;
  const bits = opts.bits ?? 8;
  return encodeTiff(w, h, samplePixels(w, h, channels, bits), opts);
}
