// Rebuilds public/models/manifest.json: every shipped model file with its size and SHA-256.
// Run after adding or changing anything under public/models: npx tsx scripts/update-manifest.ts
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { modelsDir } from '../src/models/node-source';
import type { ModelManifest } from '../src/models/manifest';

const root = modelsDir();
const skip = new Set(['manifest.json']);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk(root)
  .map((p) => relative(root, p).split('\\').join('/'))
  .filter((p) => !skip.has(p) && !p.endsWith('.md'))
  .sort()
  .map((path) => {
    const bytes = readFileSync(join(root, path));
    return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
const version = createHash('sha256')
  .update(files.map((f) => `${f.path}:${f.sha256}`).join('\n'))
  .digest('hex')
  .slice(0, 12);
const manifest: ModelManifest = { version, files };
writeFileSync(join(root, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
const total = files.reduce((a, f) => a + f.bytes, 0);
console.log(`manifest ${version}: ${files.length} files, ${(total / 1e6).toFixed(2)} MB`);
