import { MODEL_CACHE_PREFIX } from './manifest';
import { createModelSource, type ModelSource, type ProgressFn, type RawFetcher } from './source';

/** Streams a response body, reporting bytes as they arrive. */
async function readWithProgress(
  res: Response,
  onProgress?: ProgressFn,
  expected?: number,
): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length')) || expected || 0;
  if (!res.body || !onProgress) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/**
 * Browser/worker model source: same-origin fetch (the service worker answers from its versioned
 * cache when offline), progress in bytes, and eviction of a corrupt cached copy.
 */
export function fetchModelSource(baseUrl: string): ModelSource {
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  const raw: RawFetcher = {
    async fetch(path, onProgress, expected) {
      let res: Response;
      try {
        res = await fetch(base + path);
      } catch {
        throw new Error(
          `Could not download model file ${path}: the network is unavailable and it is not cached yet.`,
        );
      }
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`Could not download model file ${path} (HTTP ${res.status}).`);
      return readWithProgress(res, onProgress, expected);
    },
    async evict(path) {
      if (typeof caches === 'undefined') return;
      for (const name of await caches.keys()) {
        if (name.startsWith(MODEL_CACHE_PREFIX)) {
          const cache = await caches.open(name);
          await cache.delete(new URL(base + path, globalThis.location?.href).href);
        }
      }
    },
  };
  return createModelSource(raw);
}
