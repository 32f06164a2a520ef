import type { ModelFileInfo } from '../../app/worker/protocol';

/** The parts of public/models/manifest.json the browser needs (the Lead's script writes it). */
export interface ModelManifestView {
  files: ModelFileInfo[];
  versions: Record<string, string>;
  totalBytes: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toFile(v: unknown, fallbackPath?: string): ModelFileInfo | null {
  if (!isRecord(v)) return null;
  const path = typeof v.path === 'string' ? v.path : fallbackPath;
  if (!path) return null;
  return {
    path,
    bytes: typeof v.bytes === 'number' ? v.bytes : 0,
    sha256: typeof v.sha256 === 'string' ? v.sha256 : undefined,
  };
}

/**
 * Read the manifest tolerantly: files may be listed as `files: [...]`, as `files: {path: {...}}`,
 * or per model under `models: {name: {version, files}}`. Unknown fields are ignored.
 */
export function readManifest(json: unknown): ModelManifestView {
  const files: ModelFileInfo[] = [];
  const versions: Record<string, string> = {};
  const addFiles = (list: unknown, prefix = '') => {
    if (Array.isArray(list)) {
      for (const item of list) {
        const f = toFile(item);
        if (f) files.push({ ...f, path: prefix + f.path });
      }
    } else if (isRecord(list)) {
      for (const [path, item] of Object.entries(list)) {
        const f = toFile(item, path);
        if (f) files.push({ ...f, path: prefix + f.path });
      }
    }
  };
  if (isRecord(json)) {
    addFiles(json.files);
    if (isRecord(json.models)) {
      for (const [name, m] of Object.entries(json.models)) {
        if (!isRecord(m)) continue;
        if (typeof m.version === 'string') versions[name] = m.version;
        else if (typeof m.sha256 === 'string') versions[name] = m.sha256.slice(0, 12);
        addFiles(m.files);
      }
    } else if (Array.isArray(json.models)) {
      for (const m of json.models) {
        if (!isRecord(m) || typeof m.name !== 'string') continue;
        versions[m.name] = typeof m.version === 'string' ? m.version : 'unversioned';
        addFiles(m.files);
      }
    }
  } else if (Array.isArray(json)) {
    addFiles(json);
  }
  const unique = new Map(files.map((f) => [f.path, f]));
  const list = [...unique.values()].filter((f) => f.path !== 'manifest.json');
  return { files: list, versions, totalBytes: list.reduce((s, f) => s + f.bytes, 0) };
}
