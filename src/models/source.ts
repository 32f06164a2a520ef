import {
  findEntry,
  MANIFEST_PATH,
  ModelIntegrityError,
  ModelMissingError,
  verifyFile,
  type ModelManifest,
} from './manifest';

export type ProgressFn = (loaded: number, total: number) => void;

/**
 * Where model files come from: the same interface in the browser (fetch + Cache Storage) and in
 * Node (files), so core model loaders run unchanged on both. Paths are relative to public/models.
 * Every file listed in the manifest is verified (size + SHA-256) before it is used.
 */
export interface ModelSource {
  manifest(): Promise<ModelManifest | null>;
  readBytes(path: string, onProgress?: ProgressFn): Promise<Uint8Array>;
  readJson<T>(path: string): Promise<T>;
  /** Whether the manifest lists this file (a cheap "is this model shipped?" check). */
  has(path: string): Promise<boolean>;
}

/** Raw access to bytes; the wrapper adds manifest lookup and verification. */
export interface RawFetcher {
  fetch(path: string, onProgress?: ProgressFn, expectedBytes?: number): Promise<Uint8Array | null>;
  /** Drop a possibly corrupt cached copy before refetching (browser cache); no-op elsewhere. */
  evict?(path: string): Promise<void>;
}

export function createModelSource(raw: RawFetcher): ModelSource {
  let manifestP: Promise<ModelManifest | null> | null = null;
  const manifest = (): Promise<ModelManifest | null> => {
    manifestP ??= raw.fetch(MANIFEST_PATH).then((b) => {
      if (!b) return null;
      try {
        return JSON.parse(new TextDecoder().decode(b)) as ModelManifest;
      } catch {
        throw new ModelIntegrityError('The model manifest (models/manifest.json) is corrupt.');
      }
    });
    return manifestP;
  };
  const readBytes = async (path: string, onProgress?: ProgressFn): Promise<Uint8Array> => {
    const m = await manifest();
    const entry = m ? findEntry(m, path) : undefined;
    if (!entry)
      throw new ModelMissingError(
        `Model file ${path} is not shipped with this build (not in models/manifest.json).`,
      );
    for (let attempt = 0; attempt < 2; attempt++) {
      const bytes = await raw.fetch(path, onProgress, entry.bytes);
      if (!bytes) throw new ModelMissingError(`Model file ${path} is missing.`);
      try {
        await verifyFile(entry, bytes);
        return bytes;
      } catch (e) {
        // A corrupt or partial cached copy: evict and fetch once more before giving up.
        if (attempt === 0 && raw.evict) await raw.evict(path);
        else throw e;
      }
    }
    throw new ModelIntegrityError(`Model file ${path} could not be verified.`);
  };
  return {
    manifest,
    readBytes,
    async readJson<T>(path: string): Promise<T> {
      const bytes = await readBytes(path);
      try {
        return JSON.parse(new TextDecoder().decode(bytes)) as T;
      } catch {
        throw new ModelIntegrityError(`Model file ${path} is not valid JSON.`);
      }
    },
    async has(path: string): Promise<boolean> {
      const m = await manifest();
      return !!m && !!findEntry(m, path);
    },
  };
}
