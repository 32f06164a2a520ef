import { openSync, closeSync, fstatSync, readSync } from 'node:fs';
import type { ByteSource } from '../core/slide/byte-source';

/** Random access to a file on disk (big slides are never read whole). Close when done. */
export function fileByteSource(path: string): ByteSource & { close(): void } {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const r = readSync(fd, buf, got, n - got, offset + got);
        if (r === 0) break;
        got += r;
      }
      return Promise.resolve(buf.subarray(0, got));
    },
    close: () => closeSync(fd),
  };
}

/** True when the file starts like a TIFF / BigTIFF (big images are TIFF). */
export function looksLikeTiff(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const ii =
    head[0] === 0x49 && head[1] === 0x49 && head[3] === 0 && (head[2] === 42 || head[2] === 43);
  const mm =
    head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && (head[3] === 42 || head[3] === 43);
  return ii || mm;
}
