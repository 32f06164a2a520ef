import * as UTIFModule from 'utif2';
import { decoderDetail, ImageDecodeError } from './errors';
import { decodeLzw } from './lzw';
import { readTiff, TIFF_TAGS as T, tagNumber, tagNumbers, type TiffDirectory } from './tiff-ifd';
import type { RgbaImage } from './types';

// utif2 is CommonJS: Node's ESM loader puts it under `default`, bundlers flatten it.
const UTIF = (UTIFModule as unknown as { default?: typeof UTIFModule }).default ?? UTIFModule;

// utif2 looks its LZW decoder up at call time; ours is bounded where utif2's can loop for ever
// on corrupt data (see lzw.ts). Installed once, for every caller of utif2 in this bundle.
(UTIF.decode as unknown as { _decodeLZW: typeof decodeLzw })._decodeLZW = decodeLzw;

/** Compressions utif2 decodes that scanners and microscopy software write. */
const COMPRESSIONS: Record<number, string> = {
  1: 'none',
  5: 'LZW',
  7: 'JPEG',
  8: 'Deflate',
  32946: 'Deflate',
  32773: 'PackBits',
};
/** One strip or tile must not need more than this to decode (a corrupt tile size would). */
const MAX_CHUNK_BYTES = 256 * 1024 * 1024;

/**
 * Check everything utif2's decompressors trust (sizes, counts, offsets) against the file, so
 * that decoding touches only bytes inside the file and allocates only what the image needs.
 */
function validate(
  ifd: TiffDirectory,
  fileBytes: number,
  checkSize: (w: number, h: number) => void,
) {
  const w = tagNumber(ifd, T.width, 0);
  const h = tagNumber(ifd, T.height, 0);
  checkSize(w, h);
  const cmpr = tagNumber(ifd, T.compression, 1);
  if (!(cmpr in COMPRESSIONS))
    throw new ImageDecodeError(
      `This TIFF uses a compression PapLens cannot read (code ${cmpr}); please save it uncompressed or with LZW or Deflate.`,
    );
  const spp = tagNumber(ifd, T.samplesPerPixel, 1);
  const bpsList = tagNumbers(ifd, T.bitsPerSample) ?? [1];
  const bps = bpsList[0];
  if (spp < 1 || spp > 8)
    throw new ImageDecodeError(`The TIFF file is corrupt (${spp} samples per pixel).`);
  if (bpsList.some((b) => b !== bps))
    throw new ImageDecodeError('The TIFF file is corrupt (its bits per sample disagree).');
  if (![1, 2, 4, 8, 16].includes(bps))
    throw new ImageDecodeError(
      `This TIFF stores ${bps} bits per sample; PapLens reads 1-, 8- and 16-bit images.`,
    );
  if (tagNumber(ifd, T.planar, 1) !== 1)
    throw new ImageDecodeError(
      'This TIFF stores colour planes separately (planar configuration 2), which PapLens cannot read; please save it as an interleaved (chunky) TIFF.',
    );
  const photometric = tagNumber(ifd, T.photometric, spp >= 3 ? 2 : 1);
  if (photometric === 3) {
    const map = tagNumbers(ifd, T.colorMap);
    if (!map || map.length < 3 * (1 << bps))
      throw new ImageDecodeError(
        'The TIFF file is corrupt (its colour palette is missing or short).',
      );
  }
  const tiled = ifd.tags.has(T.tileWidth) || ifd.tags.has(T.tileOffsets);
  const offsets = tagNumbers(ifd, tiled ? T.tileOffsets : T.stripOffsets);
  const counts = tagNumbers(ifd, tiled ? T.tileByteCounts : T.stripByteCounts);
  if (!offsets || !counts) throw new ImageDecodeError('The TIFF file is corrupt (no pixel data).');
  let chunkW: number;
  let chunkH: number;
  let expected: number;
  if (tiled) {
    chunkW = tagNumber(ifd, T.tileWidth, 0);
    chunkH = tagNumber(ifd, T.tileLength, 0);
    if (chunkW < 1 || chunkH < 1)
      throw new ImageDecodeError('The TIFF file is corrupt (bad tile size).');
    expected = Math.ceil(w / chunkW) * Math.ceil(h / chunkH);
  } else {
    chunkW = w;
    chunkH = Math.min(Math.max(tagNumber(ifd, T.rowsPerStrip, h), 0), h);
    if (chunkH < 1) throw new ImageDecodeError('The TIFF file is corrupt (0 rows per strip).');
    expected = Math.ceil(h / chunkH);
  }
  const chunkBytes = Math.ceil((chunkW * spp * bps) / 8) * chunkH;
  if (chunkBytes > MAX_CHUNK_BYTES)
    throw new ImageDecodeError(
      `The TIFF file is corrupt (a ${chunkW}×${chunkH} ${tiled ? 'tile' : 'strip'} is implausibly large).`,
    );
  if (offsets.length < expected || counts.length < expected)
    throw new ImageDecodeError(
      `The TIFF file is corrupt (${offsets.length} ${tiled ? 'tiles' : 'strips'} listed, ${expected} needed).`,
    );
  for (let i = 0; i < expected; i++) {
    if (offsets[i] + counts[i] > fileBytes)
      throw new ImageDecodeError('The TIFF file is truncated (pixel data is missing).');
    // Uncompressed chunks are copied as-is: a short one would leave black bands.
    if (
      cmpr === 1 &&
      counts[i] <
        (tiled ? chunkBytes : Math.ceil((w * spp * bps) / 8) * Math.min(chunkH, h - i * chunkH))
    )
      throw new ImageDecodeError('The TIFF file is truncated (pixel data is missing).');
  }
  return { w, h, photometric, tiled };
}

/** Decode the first image of a TIFF (strips or tiles) to RGBA8, after validating its layout. */
export async function decodeTiff(
  bytes: Uint8Array,
  checkSize: (w: number, h: number) => void,
): Promise<RgbaImage> {
  const file = await readTiff(bytes);
  const dir = file.ifds[0];
  const { w, h, photometric, tiled } = validate(dir, bytes.length, checkSize);
  // utif2's image object: tags as "t<number>" arrays, only those its decoder uses.
  const img: Record<string, unknown> = {};
  for (const [tag, v] of dir.tags) img[`t${tag}`] = v;
  img['t262'] = [photometric];
  const buf = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  try {
    if (tiled) decodeTiles(img, new Uint8Array(buf), w, h, file.littleEndian);
    else UTIF.decodeImage(buf, img as unknown as UTIFModule.IFD);
    const rgba = UTIF.toRGBA8(img as unknown as UTIFModule.IFD);
    if (rgba.length < w * h * 4) throw new Error('pixel data shorter than the header says');
    return {
      width: w,
      height: h,
      data: new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, w * h * 4),
    };
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(`The TIFF file is corrupt or truncated${decoderDetail(e)}.`);
  }
}

type Decompress = (
  img: Record<string, unknown>,
  ifds: unknown[],
  data: Uint8Array,
  off: number,
  len: number,
  cmpr: number,
  tgt: Uint8Array,
  toff: number,
  fillOrder: number,
  w: number,
  h: number,
) => void;

/**
 * Tiles one by one through utif2's per-chunk decompressor (its own tile loop logs to the console
 * and keeps only the last tile of JPEG-compressed files); each tile is copied into the image rows.
 */
function decodeTiles(
  img: Record<string, unknown>,
  data: Uint8Array,
  w: number,
  h: number,
  littleEndian: boolean,
): void {
  const num = (tag: number, fallback: number): number =>
    ((img[`t${tag}`] as number[] | undefined) ?? [fallback])[0];
  const tw = num(T.tileWidth, 0);
  const th = num(T.tileLength, 0);
  const cmpr = num(T.compression, 1);
  const fillOrder = num(266, 1);
  const bipp = num(T.bitsPerSample, 1) * num(T.samplesPerPixel, 1);
  if ((tw * bipp) % 8 !== 0)
    throw new ImageDecodeError(
      'This TIFF has tiles that do not end on a byte; PapLens cannot read it.',
    );
  const offsets = img[`t${T.tileOffsets}`] as number[];
  const counts = img[`t${T.tileByteCounts}`] as number[];
  const tileRow = (tw * bipp) / 8;
  const imgRow = Math.ceil((w * bipp) / 8);
  const out = new Uint8Array(imgRow * h);
  const tile = new Uint8Array(tileRow * th);
  const decompress = (UTIF.decode as unknown as { _decompress: Decompress })._decompress;
  img.isLE = littleEndian;
  img.width = w;
  img.height = h;
  const across = Math.ceil(w / tw);
  for (let ty = 0; ty * th < h; ty++)
    for (let tx = 0; tx < across; tx++) {
      const i = ty * across + tx;
      tile.fill(0);
      decompress(img, [], data, offsets[i], counts[i], cmpr, tile, 0, fillOrder, tw, th);
      const x0 = tx * tileRow;
      const n = Math.min(tileRow, imgRow - x0);
      for (let r = 0; r < th && ty * th + r < h; r++)
        out.set(tile.subarray(r * tileRow, r * tileRow + n), (ty * th + r) * imgRow + x0);
    }
  img.data = out;
}
