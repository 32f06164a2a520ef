/** One shipped model file, as listed in public/models/manifest.json. */
export interface ManifestFile {
  /** Relative to public/models, forward slashes. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface ModelManifest {
  /** Changes whenever any file changes: names the runtime cache version. */
  version: string;
  files: ManifestFile[];
}

export const MANIFEST_PATH = 'manifest.json';
/** Cache Storage name for model files (runtime-cached by the service worker, CacheFirst). */
export const MODEL_CACHE_PREFIX = 'paplens-models-';

export class ModelMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMissingError';
  }
}

export class ModelIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelIntegrityError';
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Throws ModelIntegrityError unless `bytes` match the manifest entry (size first: cheap). */
export async function verifyFile(entry: ManifestFile, bytes: Uint8Array): Promise<void> {
  if (bytes.length !== entry.bytes)
    throw new ModelIntegrityError(
      `Model file ${entry.path} is incomplete or damaged (${bytes.length} bytes, expected ${entry.bytes}).`,
    );
  const hash = await sha256Hex(bytes);
  if (hash !== entry.sha256)
    throw new ModelIntegrityError(`Model file ${entry.path} is damaged (SHA-256 mismatch).`);
}

export function findEntry(manifest: ModelManifest, path: string): ManifestFile | undefined {
  return manifest.files.find((f) => f.path === path);
}
