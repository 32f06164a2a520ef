import { ImageDecodeError } from './errors';

/**
 * TIFF LZW decoder (MSB-first codes of 9–12 bits, "early change" as libtiff writes them).
 *
 * Why our own: utif2's decoder loops forever on some corrupt streams (issue 15: a TIFF with a
 * few flipped bytes froze the tab). This one reads each input bit once and writes each output
 * byte once, so its time is linear in input + output whatever the bytes are; an impossible code
 * is an error, not a loop.
 */
export function decodeLzw(
  src: Uint8Array,
  off: number,
  len: number,
  out: Uint8Array,
  outOff: number,
): number {
  const CLEAR = 256;
  const EOI = 257;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const endBit = Math.min(src.length, off + len) * 8;
  let bit = off * 8;
  let nbits = 9;
  let next = 258;
  let old = -1;
  let o = outOff;
  const outEnd = out.length;

  const read = (): number => {
    if (bit + nbits > endBit) return EOI; // ran out of input: stop where the data ends
    let v = 0;
    for (let k = 0; k < nbits; k++, bit++)
      v = (v << 1) | ((src[bit >>> 3] >>> (7 - (bit & 7))) & 1);
    return v;
  };
  /** Write the string of `code` at o (clipped to the output), return its length. */
  const emit = (code: number): void => {
    const n = length[code];
    let c = code;
    for (let k = n - 1; k >= 0; k--) {
      if (o + k < outEnd) out[o + k] = suffix[c];
      c = prefix[c];
    }
    o += n;
  };

  while (o < outEnd) {
    const code = read();
    if (code === EOI) break;
    if (code === CLEAR) {
      nbits = 9;
      next = 258;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new ImageDecodeError('The TIFF file is corrupt (bad LZW data).');
      emit(code);
      old = code;
      continue;
    }
    let firstByte: number;
    if (code < next) {
      firstByte = first[code];
      emit(code);
    } else if (code === next) {
      firstByte = first[old];
      emit(old);
      if (o < outEnd) out[o] = firstByte;
      o++;
    } else throw new ImageDecodeError('The TIFF file is corrupt (bad LZW data).');
    if (next < 4096) {
      prefix[next] = old;
      suffix[next] = firstByte;
      first[next] = first[old];
      length[next] = length[old] + 1;
      next++;
      if (next >= (1 << nbits) - 1 && nbits < 12) nbits++;
    }
    old = code;
  }
  return o - outOff;
}
