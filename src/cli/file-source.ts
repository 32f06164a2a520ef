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

/** Shared with the app (src/core/slide/byte-source.ts). */
export { looksLikeTiff } from '../core/slide/byte-source';
