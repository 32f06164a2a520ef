/**
 * Random access to a file's bytes without holding the whole file: big slides are read tile by
 * tile. In the browser a File (Blob.slice), in Node a file descriptor (src/cli/file-source.ts).
 */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A ByteSource over bytes already in memory (tests, small files). */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) =>
      Promise.resolve(bytes.subarray(offset, Math.min(bytes.length, offset + length))),
  };
}

/** A ByteSource over a Blob / File (browser and Node both have Blob). */
export function blobSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    read: async (offset, length) =>
      new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

/** True when the bytes start like a TIFF / BigTIFF (big images are TIFF). */
export function looksLikeTiff(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const ii =
    head[0] === 0x49 && head[1] === 0x49 && head[3] === 0 && (head[2] === 42 || head[2] === 43);
  const mm =
    head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && (head[3] === 42 || head[3] === 43);
  return ii || mm;
}
