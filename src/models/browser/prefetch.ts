import type { ManifestFile } from '../manifest';
import type { ModelSource } from '../source';

/**
 * Download (and verify) every shipped model file once, reporting aggregate bytes, and return a
 * source that serves them from memory. One pass gives an honest progress bar and warms the
 * service worker's model cache, so the app analyses offline after one visit.
 */
export async function prefetchModels(
  source: ModelSource,
  files: ManifestFile[],
  onProgress: (loaded: number, total: number, file: string) => void,
): Promise<ModelSource> {
  const total = files.reduce((s, f) => s + f.bytes, 0);
  const done = new Map<string, Uint8Array>();
  // A damaged or missing file only disables the model that needs it: its loader gets the error
  // (and reports that model as missing) while the others still load.
  const failed = new Map<string, unknown>();
  let finished = 0;
  for (const f of files) {
    try {
      const bytes = await source.readBytes(f.path, (loaded) =>
        onProgress(finished + loaded, total, f.path),
      );
      done.set(f.path, bytes);
    } catch (e) {
      failed.set(f.path, e);
    }
    finished += f.bytes;
    onProgress(finished, total, f.path);
  }
  return {
    ...source,
    async readBytes(path, onFileProgress) {
      if (failed.has(path)) throw failed.get(path);
      const hit = done.get(path);
      if (!hit) return source.readBytes(path, onFileProgress);
      onFileProgress?.(hit.byteLength, hit.byteLength);
      return hit;
    },
    async readJson<T>(path: string): Promise<T> {
      if (failed.has(path)) throw failed.get(path);
      const hit = done.get(path);
      if (!hit) return source.readJson<T>(path);
      return JSON.parse(new TextDecoder().decode(hit)) as T;
    },
  };
}

/** Per-model version label: the first folder of each path, with a short hash over its files. */
export function modelVersions(files: ManifestFile[]): Record<string, string> {
  const groups = new Map<string, string[]>();
  for (const f of files) {
    const model = f.path.includes('/') ? f.path.split('/')[0] : f.path;
    groups.set(model, [...(groups.get(model) ?? []), f.sha256]);
  }
  const out: Record<string, string> = {};
  for (const [model, hashes] of groups) {
    // XOR-fold the files' SHA-256 prefixes: order-independent and stable across releases.
    let h = 0;
    for (const s of hashes) h ^= parseInt(s.slice(0, 8), 16);
    out[model] = (h >>> 0).toString(16).padStart(8, '0');
  }
  return out;
}
