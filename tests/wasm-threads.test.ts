import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { isSmallImageFile } from '../src/cli/commands/analyze';
import { wasmThreadsWanted } from '../src/cli/tf-node';
import { syntheticSegImage } from '../src/core/segment/bench';
import { REPO_ROOT } from '../src/data/paths';

describe('wasmThreadsWanted', () => {
  it('PAPLENS_WASM_THREADS wins; else the caller’s count; at most 8; a bad value is an error', () => {
    expect(wasmThreadsWanted({}, 1)).toBe(1);
    expect(wasmThreadsWanted({}, 2)).toBe(2);
    expect(wasmThreadsWanted({}, 64)).toBe(8);
    expect(wasmThreadsWanted({ PAPLENS_WASM_THREADS: '' }, 2)).toBe(2);
    expect(wasmThreadsWanted({ PAPLENS_WASM_THREADS: '1' }, 4)).toBe(1);
    expect(wasmThreadsWanted({ PAPLENS_WASM_THREADS: '3' }, 1)).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'two'])
      expect(() => wasmThreadsWanted({ PAPLENS_WASM_THREADS: bad }), bad).toThrow(
        `PAPLENS_WASM_THREADS must be 1 or more, got "${bad}"`,
      );
  });
});

const shipped = existsSync(join(REPO_ROOT, 'public', 'models', 'seg', 'model.json'));

/** A Node child process; one that does not exit by itself within `killAfterMs` is killed (code null). */
function runNode(
  args: string[],
  env: Record<string, string> = {},
  killAfterMs = 120_000,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const runPaplens = (args: string[], env: Record<string, string>) =>
  runNode([join(REPO_ROOT, 'bin', 'paplens.mjs'), ...args], env);

describe('setThreadedWasmBackend', () => {
  it('a threaded start that fails leaves the one-thread build working, and the process exits', async () => {
    // The child makes the threaded binary unreachable, then starts tfjs's own WASM backend.
    const script = join(REPO_ROOT, 'tests', 'support', 'wasm-threads-fallback.ts');
    const r = await runNode(['--import', 'tsx', script], {}, 60_000);
    expect(r.code, r.err.slice(-2000)).toBe(0);
    const line = r.out.split('\n').find((l) => l.startsWith('{"threaded"'));
    expect(JSON.parse(line ?? '{}')).toEqual({
      threaded: 0,
      plain: true,
      backend: 'wasm',
      threads: 1,
      value: 3,
    });
  }, 90_000);
});

// Issue 13: one image in `paplens analyze` runs the network on XNNPACK threads (tfjs's threaded
// WASM build, which tfjs itself does not start in Node: src/cli/wasm-threads.ts).
/** A synthetic field of `nuclei` 12-px nuclei written as a PNG; returns its path. */
function syntheticPngFile(
  file: string,
  width: number,
  height: number,
  nuclei: number,
  seed: number,
): string {
  const img = syntheticSegImage(width, height, nuclei, 12, seed);
  writeFileSync(file, encodePng({ width, height, data: img.data, channels: 4, depth: 8 }));
  return file;
}

describe.skipIf(!shipped || availableParallelism() < 2)('paplens analyze on WASM threads', () => {
  const work = mkdtempSync(join(tmpdir(), 'paplens-wasm-threads-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('one image: threads by default, the process exits by itself, the same nuclei as one thread', async () => {
    const file = syntheticPngFile(join(work, 'field.png'), 900, 700, 30, 9);
    const threads = Math.min(4, availableParallelism());
    const one = await runPaplens(['analyze', file, '--json', join(work, 'one.json')], {
      PAPLENS_WASM_THREADS: '1',
    });
    const many = await runPaplens(['analyze', file, '--json', join(work, 'many.json')], {
      PAPLENS_WASM_THREADS: '',
    });
    // A pool thread left referenced kept the process alive after its output (code null: killed).
    expect(one.code, one.err).toBe(0);
    expect(many.code, many.err).toBe(0);
    expect(one.out).toMatch(/backend wasm, /);
    expect(many.out).toContain(`backend wasm (${threads} threads), `);
    const nuclei = (f: string): unknown[] =>
      (JSON.parse(readFileSync(join(work, f), 'utf8')) as { images: { nuclei: unknown[] }[] })
        .images[0].nuclei;
    expect(nuclei('one.json').length).toBeGreaterThan(10);
    expect(nuclei('many.json')).toEqual(nuclei('one.json'));
  }, 300_000);

  it('one small image (a single cell by its header): one thread, its passes too small to share', async () => {
    const file = syntheticPngFile(join(work, 'cell.png'), 200, 160, 3, 4);
    const r = await runPaplens(['analyze', file], { PAPLENS_WASM_THREADS: '' });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/backend wasm, /);
    expect(isSmallImageFile(file)).toBe(true);
    expect(isSmallImageFile(join(work, 'field.png'))).toBe(false);
    expect(isSmallImageFile(join(work, 'no-such-file.png'))).toBe(false);
  }, 120_000);

  it('a bad PAPLENS_WASM_THREADS is a usage error (exit 2), not a silent fallback', async () => {
    const r = await runPaplens(['analyze', join(work, 'field.png')], {
      PAPLENS_WASM_THREADS: 'two',
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('PAPLENS_WASM_THREADS must be 1 or more, got "two"');
  }, 60_000);
});
