import type { ModelSource } from './source';

/**
 * Model files already read and verified elsewhere (the analysis thread's source), handed to a
 * helper worker by path: the same loaders run over them. No manifest: nothing is re-verified.
 */
export function memoryModelSource(files: Readonly<Record<string, Uint8Array>>): ModelSource {
  const bytes = (path: string): Uint8Array => {
    const b = files[path];
    if (!b) throw new Error(`Model file ${path} was not handed to this worker.`);
    return b;
  };
  return {
    manifest: () => Promise.resolve(null),
    readBytes: (path) => Promise.resolve().then(() => bytes(path)),
    readJson: <T>(path: string) =>
      Promise.resolve().then(() => JSON.parse(new TextDecoder().decode(bytes(path))) as T),
    has: (path) => Promise.resolve(path in files),
  };
}
