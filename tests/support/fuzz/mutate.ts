// Seeded mutations for the decode fuzzer: what disks, transfers and buggy writers do to files.
// A case is fully determined by (format, run seed, index), so a failing case can be regenerated.
import { mulberry32 } from '../../../src/core/util/random';
import { fuzzSeeds, type FuzzFormat, type Seed } from './seeds';
import { slideFuzzSeeds, type SlideFuzzKind } from './slide-seeds';

/** What the fuzzer feeds: files for the image decoder, or slides for the slide reader. */
export type AnyFuzzFormat = FuzzFormat | SlideFuzzKind;

export function isSlideKind(f: AnyFuzzFormat): f is SlideFuzzKind {
  return f.startsWith('slide-');
}

export interface FuzzCase {
  format: AnyFuzzFormat;
  index: number;
  seed: string;
  mutation: string;
  bytes: Uint8Array;
}

/** Values that hit edge cases in length/offset/count fields. */
const INTERESTING32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff];

function hash(a: number, b: number): number {
  let h = (a ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ b, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Rewrite one IFD entry (at `e.at`, classic or BigTIFF layout, little-endian) in place. */
function mutateEntry(
  b: Uint8Array,
  e: { at: number; big: boolean },
  int: (n: number) => number,
  rnd: () => number,
): string {
  // An earlier round may have cut the file short of this entry.
  if (e.at + (e.big ? 20 : 12) > b.length) return 'entry-cut';
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tag = dv.getUint16(e.at, true);
  const field = int(3);
  if (field === 0) {
    // Type: any TIFF type, signed and floating ones included.
    const type = 1 + int(18);
    dv.setUint16(e.at + 2, type, true);
    return `entry${tag}.type=${type}`;
  }
  const at = e.at + (field === 1 ? 4 : e.big ? 12 : 8);
  const old = dv.getUint32(at, true);
  const v =
    rnd() < 0.5
      ? INTERESTING32[int(INTERESTING32.length)]
      : [old + 1, old - 1, old * 2, old >>> 1, old + 256, old ^ 0x8000][int(6)] >>> 0;
  dv.setUint32(at, v, true);
  // Little-endian: an inline SHORT value is the low half of what was written.
  return `entry${tag}.${field === 1 ? 'count' : 'value'}=${v}`;
}

const seedCache = new Map<AnyFuzzFormat, Seed[]>();

export function fuzzCase(format: AnyFuzzFormat, runSeed: number, index: number): FuzzCase {
  let seeds = seedCache.get(format);
  if (!seeds) {
    seeds = isSlideKind(format) ? slideFuzzSeeds(format) : fuzzSeeds(format);
    seedCache.set(format, seeds);
  }
  const rnd = mulberry32(hash(runSeed, index + 1));
  const int = (n: number): number => Math.floor(rnd() * n);
  const seed = seeds[int(seeds.length)];
  let b = seed.bytes.slice();
  // Most damage is near the start (headers, directories, tables) where decoders trust values.
  const hot = seed.hot;
  const hotBytes = hot?.reduce((n, [a, z]) => n + z - a, 0) ?? 0;
  const inHot = (k: number): number => {
    for (const [a, z] of hot!) {
      if (k < z - a) return a + k;
      k -= z - a;
    }
    return 0;
  };
  const pos = (): number =>
    rnd() < 0.7
      ? hot
        ? Math.min(b.length - 1, inHot(int(hotBytes)))
        : int(Math.min(b.length, 4096))
      : int(b.length);
  const rounds = 1 + int(3);
  const names: string[] = [];
  for (let r = 0; r < rounds; r++) {
    // Slides: half the rounds rewrite one directory entry in place (its type, count or value), so
    // the file still parses and the reader meets odd sizes, offsets and codes, not only
    // directories that no longer parse.
    if (seed.entries && rnd() < 0.5) {
      names.push(mutateEntry(b, seed.entries[int(seed.entries.length)], int, rnd));
      continue;
    }
    const kind = int(7);
    switch (kind) {
      case 0: {
        const n = 1 + int(8);
        for (let k = 0; k < n; k++) b[pos()] ^= 1 << int(8);
        names.push(`flip${n}bits`);
        break;
      }
      case 1: {
        const n = 1 + int(6);
        for (let k = 0; k < n; k++) b[pos()] = int(256);
        names.push(`set${n}bytes`);
        break;
      }
      case 2: {
        const at = Math.max(0, pos() - (pos() & 3));
        const v = INTERESTING32[int(INTERESTING32.length)];
        for (let k = 0; k < 4 && at + k < b.length; k++)
          b[at + k] = rnd() < 0.5 ? (v >>> (8 * k)) & 255 : (v >>> (8 * (3 - k))) & 255;
        names.push('interesting32');
        break;
      }
      case 3: {
        const keep = int(b.length);
        b = b.slice(0, keep);
        names.push(`truncate@${keep}`);
        break;
      }
      case 4: {
        const at = pos();
        const junk = new Uint8Array(1 + int(64)).map(() => int(256));
        const out = new Uint8Array(b.length + junk.length);
        out.set(b.subarray(0, at));
        out.set(junk, at);
        out.set(b.subarray(at), at + junk.length);
        b = out;
        names.push(`insert${junk.length}`);
        break;
      }
      case 5: {
        const at = pos();
        const n = Math.min(1 + int(64), b.length - at);
        const out = new Uint8Array(b.length - n);
        out.set(b.subarray(0, at));
        out.set(b.subarray(at + n), at);
        b = out;
        names.push(`delete${n}`);
        break;
      }
      default: {
        // Copy a chunk over another place (duplicated headers, crossed offsets).
        const from = pos();
        const to = pos();
        const n = Math.min(1 + int(32), b.length - from, b.length - to);
        b.copyWithin(to, from, from + n);
        names.push(`copy${n}`);
      }
    }
  }
  return { format, index, seed: seed.name, mutation: names.join('+'), bytes: b };
}
