import { ImageDecodeError } from './errors';

/**
 * A bounds-checked reader of TIFF / BigTIFF image file directories (IFDs).
 *
 * Why our own: utif2's IFD reader trusts every count and offset in the file. One flipped byte in
 * a tag's count (e.g. 1.6 billion SHORTs) made it push values until the tab froze (issue 15).
 * Here every count is checked against the file size before anything is read or allocated, the IFD
 * chain is followed at most MAX_IFDS times and never in a cycle, so parsing is O(file size).
 */

/** One tag's values: numbers for integer/float types, [numerator, denominator] for rationals. */
export type TiffValue = number[] | [number, number][] | Uint8Array | string[];

export interface TiffDirectory {
  /** Byte offset of this IFD in the file. */
  offset: number;
  tags: Map<number, TiffValue>;
}

export interface TiffFile {
  littleEndian: boolean;
  bigTiff: boolean;
  ifds: TiffDirectory[];
}

/** More IFDs than any pyramid or multi-page scan we read; beyond that the file is corrupt. */
export const MAX_IFDS = 1024;
/** More entries in one IFD than any real writer emits (baseline TIFF has ~20). */
export const MAX_ENTRIES = 4096;

/** Size in bytes of each TIFF field type (0 = unknown type, skipped). */
const TYPE_SIZE: Record<number, number> = {
  1: 1, // BYTE
  2: 1, // ASCII
  3: 2, // SHORT
  4: 4, // LONG
  5: 8, // RATIONAL
  6: 1, // SBYTE
  7: 1, // UNDEFINED
  8: 2, // SSHORT
  9: 4, // SLONG
  10: 8, // SRATIONAL
  11: 4, // FLOAT
  12: 8, // DOUBLE
  13: 4, // IFD
  16: 8, // LONG8 (BigTIFF)
  17: 8, // SLONG8
  18: 8, // IFD8
};

function corrupt(why: string): ImageDecodeError {
  return new ImageDecodeError(`The TIFF file is corrupt (${why}).`);
}

/** Where the bytes come from: the whole file in memory, or random access to a big one. */
export interface TiffByteReader {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/**
 * Parse the header and the IFD chain (and SubIFDs, where pyramid levels of OME-TIFF live).
 * Reads only the header, the directories and their values, so a 20 GB slide costs a few reads.
 * Throws ImageDecodeError for anything inconsistent.
 */
export async function readTiff(src: TiffByteReader | Uint8Array): Promise<TiffFile> {
  const source: TiffByteReader =
    src instanceof Uint8Array
      ? { size: src.length, read: (o, n) => Promise.resolve(src.subarray(o, o + n)) }
      : src;
  const len = source.size;
  if (len < 8) throw new ImageDecodeError('The TIFF file is truncated (no header).');
  const head = await source.read(0, Math.min(16, len));
  const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const le = head[0] === 0x49;
  const magic = hv.getUint16(2, le);
  const bigTiff = magic === 43;
  if (magic !== 42 && !bigTiff) throw corrupt('bad header');
  let first: number;
  if (bigTiff) {
    if (len < 16) throw new ImageDecodeError('The TIFF file is truncated (no header).');
    if (hv.getUint16(4, le) !== 8) throw corrupt('bad BigTIFF header');
    first = u64(hv, 8, le);
  } else first = hv.getUint32(4, le);

  const headSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const nextSize = bigTiff ? 8 : 4;
  const ifds: TiffDirectory[] = [];
  const seen = new Set<number>();
  // Main chain first; SubIFD offsets found on the way are read after it (depth-first order kept).
  const queue: number[] = [first];
  while (queue.length > 0) {
    let at = queue.shift()!;
    while (at !== 0) {
      if (seen.has(at)) throw corrupt('its directories form a loop');
      if (ifds.length >= MAX_IFDS) throw corrupt(`more than ${MAX_IFDS} directories`);
      if (at < 8 || at + headSize > len)
        throw corrupt('a directory offset points outside the file');
      seen.add(at);
      const countBytes = await source.read(at, headSize);
      const cv = new DataView(countBytes.buffer, countBytes.byteOffset, countBytes.byteLength);
      const n = bigTiff ? u64(cv, 0, le) : cv.getUint16(0, le);
      if (n === 0 || n > MAX_ENTRIES) throw corrupt(`a directory claims ${n} entries`);
      const blockLen = headSize + n * entrySize + nextSize;
      if (at + blockLen > len)
        throw new ImageDecodeError('The TIFF file is truncated (a directory is cut off).');
      const block = await source.read(at, blockLen);
      const bv = new DataView(block.buffer, block.byteOffset, block.byteLength);
      const tags = new Map<number, TiffValue>();
      for (let i = 0; i < n; i++) {
        const e = headSize + i * entrySize;
        const tag = bv.getUint16(e, le);
        const type = bv.getUint16(e + 2, le);
        const count = bigTiff ? u64(bv, e + 4, le) : bv.getUint32(e + 4, le);
        const size = TYPE_SIZE[type] ?? 0;
        if (size === 0) continue; // unknown type: readers must skip it
        const bytesNeeded = count * size;
        if (bytesNeeded > len) throw corrupt(`tag ${tag} claims ${count} values`);
        const inlineSize = bigTiff ? 8 : 4;
        const valueField = e + (bigTiff ? 12 : 8);
        let data: Uint8Array;
        if (bytesNeeded <= inlineSize) data = block.subarray(valueField, valueField + bytesNeeded);
        else {
          const valueAt = bigTiff ? u64(bv, valueField, le) : bv.getUint32(valueField, le);
          if (valueAt + bytesNeeded > len) throw corrupt(`tag ${tag} points outside the file`);
          data = await source.read(valueAt, bytesNeeded);
        }
        const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
        tags.set(tag, readValues(dv, data, 0, type, count, le));
      }
      ifds.push({ offset: at, tags });
      const sub = tags.get(330);
      if (Array.isArray(sub)) for (const o of sub) if (typeof o === 'number') queue.push(o);
      at = bigTiff ? u64(bv, blockLen - nextSize, le) : bv.getUint32(blockLen - nextSize, le);
    }
  }
  if (ifds.length === 0) throw new ImageDecodeError('The TIFF file contains no image.');
  return { littleEndian: le, bigTiff, ifds };
}

/** Unsigned 64-bit value as a number (offsets beyond 2^53 cannot be in any file we can read). */
function u64(dv: DataView, o: number, le: boolean): number {
  const lo = dv.getUint32(o + (le ? 0 : 4), le);
  const hi = dv.getUint32(o + (le ? 4 : 0), le);
  return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 2 ** 32 + lo;
}

function readValues(
  dv: DataView,
  bytes: Uint8Array,
  at: number,
  type: number,
  count: number,
  le: boolean,
): TiffValue {
  switch (type) {
    case 1:
    case 6:
    case 7:
      return bytes.slice(at, at + count);
    case 2: {
      let s = '';
      for (let i = 0; i < count && bytes[at + i] !== 0; i++)
        s += String.fromCharCode(bytes[at + i]);
      return [s];
    }
    case 5:
    case 10: {
      const out: [number, number][] = [];
      for (let i = 0; i < count; i++) {
        const o = at + 8 * i;
        out.push(
          type === 5
            ? [dv.getUint32(o, le), dv.getUint32(o + 4, le)]
            : [dv.getInt32(o, le), dv.getInt32(o + 4, le)],
        );
      }
      return out;
    }
    default: {
      const out = new Array<number>(count);
      for (let i = 0; i < count; i++) {
        const o = at + (TYPE_SIZE[type] ?? 1) * i;
        switch (type) {
          case 3:
            out[i] = dv.getUint16(o, le);
            break;
          case 8:
            out[i] = dv.getInt16(o, le);
            break;
          case 4:
          case 13:
            out[i] = dv.getUint32(o, le);
            break;
          case 9:
            out[i] = dv.getInt32(o, le);
            break;
          case 11:
            out[i] = dv.getFloat32(o, le);
            break;
          case 12:
            out[i] = dv.getFloat64(o, le);
            break;
          default: // LONG8 / SLONG8 / IFD8
            out[i] = u64(dv, o, le);
        }
      }
      return out;
    }
  }
}

/** The baseline and extension tags PapLens reads. */
export const TIFF_TAGS = {
  newSubfileType: 254,
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  photometric: 262,
  stripOffsets: 273,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  planar: 284,
  predictor: 317,
  colorMap: 320,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
  jpegTables: 347,
} as const;

/** First value of a numeric tag, or the fallback. */
export function tagNumber(ifd: TiffDirectory, tag: number, fallback: number): number {
  const v = ifd.tags.get(tag);
  if (!v || v.length === 0) return fallback;
  const x = v[0];
  return typeof x === 'number' ? x : fallback;
}

/** All values of a numeric tag (undefined when absent or not numeric). */
export function tagNumbers(ifd: TiffDirectory, tag: number): number[] | undefined {
  const v = ifd.tags.get(tag);
  if (!v || v instanceof Uint8Array || v.length === 0 || typeof v[0] !== 'number') return undefined;
  return v as number[];
}
