import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { main, COMMANDS } from '../src/cli/main';

function capture(fn: () => Promise<number>) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(String(s)));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((s: string) => void err.push(String(s)));
  return fn().then((code) => {
    log.mockRestore();
    error.mockRestore();
    return { code, out: out.join('\n'), err: err.join('\n') };
  });
}

describe('paplens CLI', () => {
  it('--help lists every command and exits 0', async () => {
    const r = await capture(() => main(['--help']));
    expect(r.code).toBe(0);
    for (const c of ['eval-seg', 'eval-cls', 'analyze', 'bench']) expect(r.out).toContain(c);
    expect(Object.keys(COMMANDS).sort()).toEqual(['analyze', 'bench', 'eval-cls', 'eval-seg']);
  });
  it('no command → usage, exit 2', async () => {
    expect((await capture(() => main([]))).code).toBe(2);
  });
  it('unknown command → exit 2 with a one-line message', async () => {
    const r = await capture(() => main(['frobnicate']));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "frobnicate"/);
  });
  it('unknown option → exit 2', async () => {
    const r = await capture(() => main(['bench', '--no-such-option']));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no-such-option/);
  });
  it('a failure → exit 1, one line, no stack unless --debug', async () => {
    const r = await capture(() => main(['bench', '--stages', 'does-not-exist']));
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/\s+at\s/);
    const d = await capture(() => main(['bench', '--stages', 'does-not-exist', '--debug']));
    expect(d.err).toMatch(/\s+at\s/);
  });
  it('the installed bin runs (npx paplens --help)', () => {
    const r = spawnSync(process.execPath, ['bin/paplens.mjs', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/eval-seg/);
  });
});
