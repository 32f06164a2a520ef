import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../data/paths';
import { createModelSource, type ModelSource } from './source';

/** Default shipped-model folder in Node: $PAPLENS_MODELS or <repo>/public/models. */
export function modelsDir(): string {
  return process.env.PAPLENS_MODELS ?? join(REPO_ROOT, 'public', 'models');
}

/** Node model source over a folder laid out like public/models (same verification as the app). */
export function nodeModelSource(rootDir = modelsDir()): ModelSource {
  return createModelSource({
    async fetch(path, onProgress) {
      const p = join(rootDir, path);
      try {
        await stat(p);
      } catch {
        return null;
      }
      const bytes = new Uint8Array(await readFile(p));
      onProgress?.(bytes.length, bytes.length);
      return bytes;
    },
  });
}
