import { describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli';
import { spawnSync } from 'node:child_process';
import { COMMANDS } from '../src/cli/main';

describe('paplens CLI', () => {
  it('--help lists every command and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['eval-seg', 'eval-cls', 'eval-cells', 'eval-fields', 'analyze', 'bench'])
      expect(r.out).toContain(c);
    expect(Object.keys(COMMANDS).sort()).toEqual([
      'analyze',
      'bench',
      'eval-cells',
      'eval-cls',
      'eval-fields',
      'eval-seg',
    ]);
  });
  it('no command → usage, exit 2', async () => {
    expect((await runCli([])).code).toBe(2);
  });
  it('unknown command → exit 2 with a one-line message', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "frobnicate"/);
  });
  it('unknown option → exit 2', async () => {
    const r = await runCli(['bench', '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no-such-option/);
  });
  it('a failure → exit 1, one line, no stack unless --debug', async () => {
    const r = await runCli(['bench', '--stages', 'does-not-exist']);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/\s+at\s/);
    const d = await runCli(['bench', '--stages', 'does-not-exist', '--debug']);
    expect(d.err).toMatch(/\s+at\s/);
  });
  it('the installed bin runs (npx paplens --help)', () => {
    const r = spawnSync(process.execPath, ['bin/paplens.mjs', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/eval-seg/);
  });
});
