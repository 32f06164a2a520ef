// Generates the bad-input corpus in memory (no committed binaries): each case is bytes plus the
// message the user must see. Used by unit tests, the CLI test and (written to disk by
// scripts/make-bad-corpus.ts) the browser e2e.
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import * as UTIFModule from 'utif2';
import { makeTiff } from './tiff-writer';

// utif2 is CommonJS: Node's ESM loader puts it under `default`, bundlers flatten it.
const UTIF = (UTIFModule as unknown as { default?: typeof UTIFModule }).default ?? UTIFModule;

export interface BadCase {
  name: string;
  file: string;
  bytes: Uint8Array;
  /** Expected user-facing message (decode error), or null when the image must decode fine. */
  error: RegExp | null;
}

function rgb(w: number, h: number, seed = 1): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  let s = seed;
  for (let i = 0; i < w * h; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    d[4 * i] = 200 - ((s >> 8) & 63);
    d[4 * i + 1] = 150 + ((s >> 16) & 31);
    d[4 * i + 2] = 190;
    d[4 * i + 3] = 255;
  }
  return d;
}

export function png(
  w: number,
  h: number,
  opts: { channels?: number; depth?: 8 | 16 } = {},
): Uint8Array {
  const channels = opts.channels ?? 3;
  const depth = opts.depth ?? 8;
  const src = rgb(w, h);
  const data = depth === 16 ? new Uint16Array(w * h * channels) : new Uint8Array(w * h * channels);
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < channels; c++) {
      const v = channels <= 2 ? src[4 * i] : src[4 * i + Math.min(c, 3)];
      data[i * channels + c] = depth === 16 ? v * 257 : v;
    }
    if (channels === 4 || channels === 2)
      data[i * channels + channels - 1] = depth === 16 ? 30000 : 120; // transparency
  }
  return encodePng({ width: w, height: h, data, channels, depth });
}

export function jpg(w: number, h: number): Uint8Array {
  return new Uint8Array(jpeg.encode({ width: w, height: h, data: rgb(w, h) }, 90).data);
}

export function bmp(w: number, h: number): Uint8Array {
  const row = Math.ceil((w * 3) / 4) * 4;
  const out = new Uint8Array(54 + row * h);
  const dv = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  dv.setUint32(2, out.length, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, w, true);
  dv.setInt32(22, h, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  const src = rgb(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const s = 4 * ((h - 1 - y) * w + x);
      const o = 54 + y * row + 3 * x;
      out[o] = src[s + 2];
      out[o + 1] = src[s + 1];
      out[o + 2] = src[s];
    }
  return out;
}

export function tiff(w: number, h: number): Uint8Array {
  return new Uint8Array(UTIF.encodeImage(rgb(w, h), w, h));
}

/** JPEG with an EXIF APP1 segment carrying the given orientation. */
export function jpgWithOrientation(w: number, h: number, orientation: number): Uint8Array {
  const base = jpg(w, h);
  // Minimal big-endian TIFF/EXIF block: IFD0 with one entry (0x0112 Orientation, SHORT).
  const tiffHdr = [
    0x4d,
    0x4d,
    0,
    0x2a,
    0,
    0,
    0,
    8,
    0,
    1,
    0x01,
    0x12,
    0,
    3,
    0,
    0,
    0,
    1,
    0,
    orientation,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiffHdr];
  const len = payload.length + 2;
  const app1 = [0xff, 0xe1, len >> 8, len & 255, ...payload];
  const out = new Uint8Array(base.length + app1.length);
  out.set(base.subarray(0, 2));
  out.set(app1, 2);
  out.set(base.subarray(2), 2 + app1.length);
  return out;
}

/** Offset of IFD entry `i` of a makeTiff file (its IFD is at 8). */
const entry = (i: number): number => 8 + 2 + 12 * i;

/** The fuzzer's first find: one tag's count flipped to 1,610,612,737 values (old reader: ~5 s, ~1 GB). */
function tiffHugeTagCount(): Uint8Array {
  const b = makeTiff(48, 40, { compression: 'lzw' });
  new DataView(b.buffer).setUint32(entry(3) + 4, 1610612737, true);
  return b;
}

/** The frozen file of issue 15: an LZW TIFF with four bytes changed; utif2 looped for ever. */
export function frozenLzwTiff(): Uint8Array {
  const b = makeTiff(48, 40, { compression: 'lzw' });
  for (const [i, v] of [
    [319, 0],
    [1547, 57],
    [1600, 196],
    [1809, 174],
  ])
    b[i] = v;
  return b;
}

function tiffIfdLoop(): Uint8Array {
  const b = makeTiff(32, 24);
  const dv = new DataView(b.buffer);
  dv.setUint32(8 + 2 + 12 * dv.getUint16(8, true), 8, true); // next IFD = this one
  return b;
}

function tiffFarStrip(): Uint8Array {
  const b = makeTiff(32, 24);
  const dv = new DataView(b.buffer);
  // makeTiff writes tags sorted: StripOffsets (273) is entry 5; with one strip it is inline.
  dv.setUint32(entry(5) + 8, 1_000_000, true);
  return b;
}

function pngWithSize(w: number, h: number): Uint8Array {
  const b = png(32, 32);
  const dv = new DataView(b.buffer, b.byteOffset);
  dv.setUint32(16, w);
  dv.setUint32(20, h);
  return b;
}

function jpegWithSize(w: number, h: number): Uint8Array {
  const b = jpg(32, 32);
  for (let i = 2; i < b.length - 9;) {
    const marker = b[i + 1];
    const len = (b[i + 2] << 8) | b[i + 3];
    if (marker === 0xc0) {
      b[i + 5] = h >> 8;
      b[i + 6] = h & 255;
      b[i + 7] = w >> 8;
      b[i + 8] = w & 255;
      break;
    }
    i += 2 + len;
  }
  return b;
}

function corruptMiddle(b: Uint8Array): Uint8Array {
  const c = new Uint8Array(b);
  for (let i = Math.floor(c.length * 0.4); i < Math.floor(c.length * 0.6); i++)
    c[i] = (c[i] * 31 + 7) & 255;
  return c;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

const UNSUPPORTED = /not a supported image|not supported/i;
const TRUNCATED = /truncated|corrupt/i;
const TOO_SMALL = /too small/i;
const TOO_LARGE = /too large/i;

export function badInputCases(): BadCase[] {
  const cases: BadCase[] = [
    { name: 'empty file', file: 'empty.png', bytes: new Uint8Array(0), error: /empty/i },
    {
      name: 'plain text',
      file: 'notes.txt',
      bytes: text('hello, this is not an image\n'),
      error: UNSUPPORTED,
    },
    {
      name: 'text named .png',
      file: 'fake.png',
      bytes: text('not really a png'),
      error: UNSUPPORTED,
    },
    { name: 'csv', file: 'cells.csv', bytes: text('a,b\n1,2\n'), error: UNSUPPORTED },
    { name: 'json', file: 'report.json', bytes: text('{"a":1}'), error: UNSUPPORTED },
    { name: 'pdf', file: 'doc.pdf', bytes: text('%PDF-1.4\n%…'), error: /PDF/ },
    {
      name: 'svg',
      file: 'drawing.svg',
      bytes: text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'),
      error: /SVG/,
    },
    {
      name: 'svg with xml prolog',
      file: 'd2.svg',
      bytes: text('<?xml version="1.0"?><svg></svg>'),
      error: /SVG/,
    },
    { name: 'animated gif', file: 'anim.gif', bytes: text('GIF89a\x10\x00\x10\x00'), error: /GIF/ },
    { name: 'webp', file: 'x.webp', bytes: text('RIFF\x00\x00\x00\x00WEBPVP8 '), error: /WebP/ },
    {
      name: 'zip',
      file: 'x.zip',
      bytes: new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]),
      error: UNSUPPORTED,
    },
    {
      name: 'random bytes',
      file: 'noise.bin',
      bytes: Uint8Array.from({ length: 500 }, (_, i) => (i * 97 + 13) & 255),
      error: UNSUPPORTED,
    },
    {
      name: 'png signature only',
      file: 'sig.png',
      bytes: png(32, 32).subarray(0, 8),
      error: TRUNCATED,
    },
    {
      name: 'png truncated at 50%',
      file: 'half.png',
      bytes: png(64, 64).subarray(0, 600),
      error: TRUNCATED,
    },
    {
      name: 'png truncated after header',
      file: 'hdr.png',
      bytes: png(64, 64).subarray(0, 40),
      error: TRUNCATED,
    },
    {
      name: 'png corrupt data',
      file: 'corrupt.png',
      bytes: corruptMiddle(png(64, 64)),
      error: TRUNCATED,
    },
    {
      name: 'jpeg SOI only',
      file: 'soi.jpg',
      bytes: new Uint8Array([0xff, 0xd8, 0xff]),
      error: TRUNCATED,
    },
    {
      name: 'jpeg truncated',
      file: 'half.jpg',
      bytes: jpg(64, 64).subarray(0, 300),
      error: TRUNCATED,
    },
    { name: 'jpeg corrupt', file: 'corrupt.jpg', bytes: corruptMiddle(jpg(64, 64)), error: null }, // JPEG tolerates noise: must decode or fail clearly
    {
      name: 'bmp header only',
      file: 'hdr.bmp',
      bytes: bmp(32, 32).subarray(0, 20),
      error: TRUNCATED,
    },
    {
      name: 'bmp truncated pixels',
      file: 'half.bmp',
      bytes: bmp(64, 64).subarray(0, 2000),
      error: TRUNCATED,
    },
    {
      name: 'tiff header only',
      file: 'hdr.tif',
      bytes: new Uint8Array([0x49, 0x49, 0x2a, 0]),
      error: TRUNCATED,
    },
    {
      name: 'tiff truncated',
      file: 'half.tif',
      bytes: tiff(64, 64).subarray(0, 4000),
      error: TRUNCATED,
    },
    { name: '1×1 png', file: 'one.png', bytes: png(1, 1), error: TOO_SMALL },
    { name: '8×8 png', file: 'eight.png', bytes: png(8, 8), error: TOO_SMALL },
    { name: '8×8 jpeg', file: 'eight.jpg', bytes: jpg(8, 8), error: TOO_SMALL },
    { name: '1×1000 png', file: 'line.png', bytes: png(1, 1000), error: TOO_SMALL },
    {
      name: '30000×30000 png header (bomb)',
      file: 'bomb.png',
      bytes: pngWithSize(30000, 30000),
      error: TOO_LARGE,
    },
    {
      name: '30000×30000 jpeg header (bomb)',
      file: 'bomb.jpg',
      bytes: jpegWithSize(30000, 30000),
      error: TOO_LARGE,
    },
    { name: '0×0 png header', file: 'zero.png', bytes: pngWithSize(0, 0), error: /no pixels/i },
    // Valid but unusual images: must decode (and later analyse) without error.
    { name: '16-bit RGB png', file: 'rgb16.png', bytes: png(64, 64, { depth: 16 }), error: null },
    {
      name: '16-bit grey png',
      file: 'grey16.png',
      bytes: png(64, 64, { channels: 1, depth: 16 }),
      error: null,
    },
    { name: '8-bit grey png', file: 'grey.png', bytes: png(64, 64, { channels: 1 }), error: null },
    { name: 'grey+alpha png', file: 'greya.png', bytes: png(64, 64, { channels: 2 }), error: null },
    {
      name: 'RGBA png with transparency',
      file: 'rgba.png',
      bytes: png(64, 64, { channels: 4 }),
      error: null,
    },
    { name: 'RGB jpeg', file: 'ok.jpg', bytes: jpg(64, 48), error: null },
    {
      name: 'EXIF-rotated jpeg (6)',
      file: 'rot6.jpg',
      bytes: jpgWithOrientation(64, 48, 6),
      error: null,
    },
    {
      name: 'EXIF-rotated jpeg (3)',
      file: 'rot3.jpg',
      bytes: jpgWithOrientation(64, 48, 3),
      error: null,
    },
    { name: '24-bit bmp', file: 'ok.bmp', bytes: bmp(40, 30), error: null },
    { name: 'rgba tiff', file: 'ok.tif', bytes: tiff(40, 30), error: null },
    { name: 'exactly 16×16 png', file: 'sixteen.png', bytes: png(16, 16), error: null },
    // Issue 15: files that froze the old TIFF path (utif2's IFD reader and LZW decoder).
    {
      name: 'tiff tag count of 1.6 billion',
      file: 'huge-count.tif',
      bytes: tiffHugeTagCount(),
      error: /TIFF file is corrupt/,
    },
    {
      name: 'lzw tiff with damaged data (hung for ever)',
      file: 'frozen-lzw.tif',
      bytes: frozenLzwTiff(),
      error: /TIFF file is corrupt/,
    },
    {
      name: 'tiff whose directory points to itself',
      file: 'loop.tif',
      bytes: tiffIfdLoop(),
      error: /TIFF file is corrupt \(its directories form a loop\)/,
    },
    {
      name: 'tiff with a strip offset past the end',
      file: 'far-strip.tif',
      bytes: tiffFarStrip(),
      error: TRUNCATED,
    },
    {
      name: 'lzw tiff',
      file: 'lzw.tif',
      bytes: makeTiff(48, 40, { compression: 'lzw' }),
      error: null,
    },
    {
      name: 'tiled lzw tiff',
      file: 'tiled.tif',
      bytes: makeTiff(40, 36, { compression: 'lzw', tile: 16 }),
      error: null,
    },
    {
      name: 'deflate tiff',
      file: 'deflate.tif',
      bytes: makeTiff(32, 32, { compression: 'deflate' }),
      error: null,
    },
    {
      name: '16-bit grey tiff',
      file: 'grey16.tif',
      bytes: makeTiff(24, 20, { channels: 1, bits: 16 }),
      error: null,
    },
  ];
  return cases;
}
