// Damaged slides made from good ones (issue 14): each breaks one thing a scanner file can get
// wrong, so the app and CLI are checked to give one clear message for it.

/** Where value `index` of `tag` in the first IFD of a classic little-endian TIFF lies. */
function valueAt(bytes: Uint8Array, tag: number, index: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ifd = dv.getUint32(4, true);
  const n = dv.getUint16(ifd, true);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + 12 * i;
    if (dv.getUint16(e, true) !== tag) continue;
    const type = dv.getUint16(e + 2, true);
    const count = dv.getUint32(e + 4, true);
    const size = type === 3 ? 2 : 4;
    if (index >= count) throw new RangeError(`tag ${tag} has ${count} values`);
    const base = count * size <= 4 ? e + 8 : dv.getUint32(e + 8, true);
    return base + index * size;
  }
  throw new Error(`tag ${tag} not in the first IFD`);
}

function readLong(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
}

function patchLong(bytes: Uint8Array, tag: number, index: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(valueAt(out, tag, index), value, true);
  return out;
}

/** Level 0 claims 1,000,000 pixels across (no scanner writes that). */
export function absurdDimensions(slide: Uint8Array): Uint8Array {
  return patchLong(slide, 256, 0, 1_000_000);
}

/** One tile's offset points past the end of the file. */
export function wrongOffsets(slide: Uint8Array): Uint8Array {
  return patchLong(slide, 324, 1, slide.length + 4096);
}

/** The first tile keeps only its first 16 bytes (as if the scan was cut off mid-tile). */
export function truncatedTile(slide: Uint8Array): Uint8Array {
  const out = patchLong(slide, 325, 0, 16);
  // Its bytes past the cut are noise, so no decoder can make a picture of the rest.
  const at = readLong(out, valueAt(out, 324, 0));
  out.fill(0, at + 16, at + 64);
  return out;
}

/**
 * `tag` of the first IFD gets another field type of the same size (LONG → FLOAT, SHORT → SSHORT):
 * the bytes stay, their meaning changes, as one flipped bit in a type field does.
 */
export function retypedTag(slide: Uint8Array, tag: number, type: number): Uint8Array {
  const out = slide.slice();
  const dv = new DataView(out.buffer);
  const ifd = dv.getUint32(4, true);
  for (let i = 0; i < dv.getUint16(ifd, true); i++) {
    const e = ifd + 2 + 12 * i;
    if (dv.getUint16(e, true) !== tag) continue;
    dv.setUint16(e + 2, type, true);
    return out;
  }
  throw new Error(`tag ${tag} not in the first IFD`);
}

/**
 * The first tile's bytes are replaced by `bomb` (appended at the end): Deflate data that inflates
 * far beyond the tile's size, as damaged or hostile files can carry.
 */
export function bombedTile(slide: Uint8Array, bomb: Uint8Array): Uint8Array {
  const out = new Uint8Array(slide.length + bomb.length);
  out.set(slide);
  out.set(bomb, slide.length);
  return patchLong(patchLong(out, 324, 0, slide.length), 325, 0, bomb.length);
}
