/**
 * zlib inflate with the platform's DecompressionStream (browser and Node ≥ 18) that stops once
 * `limit` bytes are out. A tile needs only its own size; without the stop a few KB of damaged or
 * hostile Deflate data (a "bomb": 1 KB inflates to ~1 MB, a 64 MB tile to ~64 GB) would be
 * inflated whole into memory before being cut to size.
 */
export async function inflateAtMost(data: Uint8Array, limit: number): Promise<Uint8Array> {
  const reader = new Blob([data as BlobPart])
    .stream()
    .pipeThrough(new DecompressionStream('deflate'))
    .getReader();
  const out = new Uint8Array(limit);
  let n = 0;
  try {
    while (n < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      const k = Math.min(value.length, limit - n);
      out.set(value.subarray(0, k), n);
      n += k;
    }
  } finally {
    // Stop the decompressor (it would otherwise go on producing what nobody reads).
    await reader.cancel().catch(() => undefined);
  }
  return out.subarray(0, n);
}
