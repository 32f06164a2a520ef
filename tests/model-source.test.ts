import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { nodeModelSource } from '../src/models/node-source';
import { createModelSource } from '../src/models/source';
import { ModelIntegrityError, ModelMissingError } from '../src/models/manifest';

function folder(
  files: Record<string, Uint8Array>,
  listed: Record<string, Uint8Array> = files,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'paplens-models-'));
  for (const [p, b] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), b);
  }
  const manifest = {
    version: 'test',
    files: Object.entries(listed).map(([path, b]) => ({
      path,
      bytes: b.length,
      sha256: createHash('sha256').update(b).digest('hex'),
    })),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

const good = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);

describe('ModelSource integrity', () => {
  it('reads a verified file', async () => {
    const src = nodeModelSource(folder({ 'seg/w.bin': good }));
    expect(Array.from(await src.readBytes('seg/w.bin'))).toEqual(Array.from(good));
    expect(await src.has('seg/w.bin')).toBe(true);
  });
  it('rejects a corrupt shard (SHA-256 mismatch)', async () => {
    const bad = new Uint8Array(good);
    bad[3] ^= 0xff;
    const src = nodeModelSource(folder({ 'seg/w.bin': bad }, { 'seg/w.bin': good }));
    await expect(src.readBytes('seg/w.bin')).rejects.toThrow(ModelIntegrityError);
    await expect(src.readBytes('seg/w.bin')).rejects.toThrow(/damaged/);
  });
  it('rejects a partial file', async () => {
    const src = nodeModelSource(
      folder({ 'seg/w.bin': good.subarray(0, 5) }, { 'seg/w.bin': good }),
    );
    await expect(src.readBytes('seg/w.bin')).rejects.toThrow(/incomplete/);
  });
  it('reports a missing file and an unlisted file clearly', async () => {
    const src = nodeModelSource(folder({}, { 'seg/w.bin': good }));
    await expect(src.readBytes('seg/w.bin')).rejects.toThrow(ModelMissingError);
    await expect(src.readBytes('cls/other.bin')).rejects.toThrow(/not shipped/);
  });
  it('evicts a corrupt cached copy and refetches once', async () => {
    const files = [
      { path: 'a.bin', bytes: 8, sha256: createHash('sha256').update(good).digest('hex') },
    ];
    let calls = 0;
    let evicted = 0;
    const src = createModelSource({
      async fetch(path) {
        if (path === 'manifest.json')
          return new TextEncoder().encode(JSON.stringify({ version: 'x', files }));
        calls++;
        return calls === 1 ? new Uint8Array(8) : good; // first answer: a stale/corrupt cached copy
      },
      async evict() {
        evicted++;
      },
    });
    expect(Array.from(await src.readBytes('a.bin'))).toEqual(Array.from(good));
    expect(evicted).toBe(1);
    expect(calls).toBe(2);
  });
});
