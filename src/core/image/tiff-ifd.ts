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

/** Parse the header and the IFD chain. Throws ImageDecodeError for anything inconsistent. */
export function readTiff(bytes: Uint8Array): TiffFile {
  if (bytes.length < 8) throw new ImageDecodeError('The TIFF file is truncated (no header).');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = bytes[0] === 0x49;
  const magic = dv.getUint16(2, le);
  const bigTiff = magic === 43;
  if (magic !== 42 && !bigTiff) throw corrupt('bad header');
  const len = bytes.length;
  const u16 = (o: number): number => dv.getUint16(o, le);
  const u32 = (o: number): number => dv.getUint32(o, le);
  const u64 = (o: number): number => {
    const lo = dv.getUint32(o + (le ? 0 : 4), le);
    const hi = dv.getUint32(o + (le ? 4 : 0), le);
    // Offsets beyond 2^53 cannot be inside any file we can hold.
    return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 2 ** 32 + lo;
  };
  let first: number;
  if (bigTiff) {
    if (len < 16) throw new ImageDecodeError('The TIFF file is truncated (no header).');
    if (u16(4) !== 8) throw corrupt('bad BigTIFF header');
    first = u64(8);
  } else first = u32(4);

  const headSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const nextSize = bigTiff ? 8 : 4;
  const ifds: TiffDirectory[] = [];
  const seen = new Set<number>();
  let at = first;
  while (at !== 0) {
    if (seen.has(at)) throw corrupt('its directories form a loop');
    if (ifds.length >= MAX_IFDS) throw corrupt(`more than ${MAX_IFDS} directories`);
    if (at < 8 || at + headSize > len) throw corrupt('a directory offset points outside the file');
    seen.add(at);
    const n = bigTiff ? u64(at) : u16(at);
    if (n === 0 || n > MAX_ENTRIES) throw corrupt(`a directory claims ${n} entries`);
    const end = at + headSize + n * entrySize;
    if (end + nextSize > len)
      throw new ImageDecodeError('The TIFF file is truncated (a directory is cut off).');
    const tags = new Map<number, TiffValue>();
    for (let i = 0; i < n; i++) {
      const e = at + headSize + i * entrySize;
      const tag = u16(e);
      const type = u16(e + 2);
      const count = bigTiff ? u64(e + 4) : u32(e + 4);
      const size = TYPE_SIZE[type] ?? 0;
      if (size === 0) continue; // unknown type: readers must skip it
      const bytesNeeded = count * size;
      if (bytesNeeded > len) throw corrupt(`tag ${tag} claims ${count} values`);
      const inlineSize = bigTiff ? 8 : 4;
      const valueAt =
        bytesNeeded <= inlineSize ? e + (bigTiff ? 12 : 8) : bigTiff ? u64(e + 12) : u32(e + 8);
      if (valueAt + bytesNeeded > len) throw corrupt(`tag ${tag} points outside the file`);
      tags.set(tag, readValues(dv, bytes, valueAt, type, count, le));
    }
    ifds.push({ offset: at, tags });
    at = bigTiff ? u64(end) : u32(end);
  }
  if (ifds.length === 0) throw new ImageDecodeError('The TIFF file contains no image.');
  return { littleEndian: le, bigTiff, ifds };
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
          default: {
            // LONG8 / SLONG8 / IFD8
            const lo = dv.getUint32(o + (le ? 0 : 4), le);
            const hi = dv.getUint32(o + (le ? 4 : 0), le);
            out[i] = hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 2 ** 32 + lo;
          }
        }
      }
      return out;
    }
  }
}

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
