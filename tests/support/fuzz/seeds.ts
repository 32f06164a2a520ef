// Seed files for the decode fuzzer, generated here (no binaries from elsewhere): every format
// and layout the decoder accepts, small so that thousands of mutated copies decode in seconds.
import { bmp, jpg, jpgWithOrientation, png } from '../bad-inputs';
import { makeTiff } from '../tiff-writer';

export type FuzzFormat = 'png' | 'jpeg' | 'bmp' | 'tiff';
export const FUZZ_FORMATS: FuzzFormat[] = ['png', 'jpeg', 'bmp', 'tiff'];

export interface Seed {
  name: string;
  bytes: Uint8Array;
  /**
   * Byte ranges of the file's structure (header, directories): when given, most mutations land
   * there instead of in the first 4 KiB (a slide's directories follow its tile data).
   */
  hot?: [number, number][];
  /** Where the directory entries are (slides): mutated in place as whole fields. */
  entries?: { at: number; big: boolean }[];
}

export function fuzzSeeds(format: FuzzFormat): Seed[] {
  switch (format) {
    case 'png':
      return [
        { name: 'rgb8', bytes: png(40, 32) },
        { name: 'grey16', bytes: png(33, 20, { channels: 1, depth: 16 }) },
        { name: 'rgba8', bytes: png(24, 24, { channels: 4 }) },
        { name: 'greyalpha16', bytes: png(20, 18, { channels: 2, depth: 16 }) },
      ];
    case 'jpeg':
      return [
        { name: 'baseline', bytes: jpg(40, 32) },
        { name: 'exif-rotated', bytes: jpgWithOrientation(32, 24, 6) },
      ];
    case 'bmp':
      return [
        { name: 'rgb24', bytes: bmp(40, 32) },
        { name: 'odd-width', bytes: bmp(17, 19) },
      ];
    case 'tiff':
      return [
        { name: 'plain-rgb8', bytes: makeTiff(32, 24) },
        { name: 'lzw-rgb8', bytes: makeTiff(48, 40, { compression: 'lzw' }) },
        { name: 'lzw-grey8', bytes: makeTiff(40, 36, { compression: 'lzw', channels: 1 }) },
        { name: 'tiled-lzw-rgb8', bytes: makeTiff(40, 36, { compression: 'lzw', tile: 16 }) },
        { name: 'deflate-rgb8', bytes: makeTiff(32, 32, { compression: 'deflate' }) },
        { name: 'plain-grey16', bytes: makeTiff(24, 20, { channels: 1, bits: 16 }) },
        {
          name: 'tiled-lzw-rgb16',
          bytes: makeTiff(32, 32, { compression: 'lzw', tile: 16, bits: 16 }),
        },
      ];
  }
}
