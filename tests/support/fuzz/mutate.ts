// Seeded mutations for the decode fuzzer: what disks, transfers and buggy writers do to files.
// A case is fully determined by (format, run seed, index), so a failing case can be regenerated.
import { mulberry32 } from '../../../src/core/util/random';
import { fuzzSeeds, type FuzzFormat, type Seed } from './seeds';

export interface FuzzCase {
  format: FuzzFormat;
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

const seedCache = new Map<FuzzFormat, Seed[]>();

export function fuzzCase(format: FuzzFormat, runSeed: number, index: number): FuzzCase {
  let seeds = seedCache.get(format);
  if (!seeds) {
    seeds = fuzzSeeds(format);
    seedCache.set(format, seeds);
  }
  const rnd = mulberry32(hash(runSeed, index + 1));
  const int = (n: number): number => Math.floor(rnd() * n);
  const seed = seeds[int(seeds.length)];
  let b = seed.bytes.slice();
  // Most damage is near the start (headers, directories, tables) where decoders trust values.
  const pos = (): number => (rnd() < 0.7 ? int(Math.min(b.length, 4096)) : int(b.length));
  const rounds = 1 + int(3);
  const names: string[] = [];
  for (let r = 0; r < rounds; r++) {
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
