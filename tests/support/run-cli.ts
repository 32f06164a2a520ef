import { vi } from 'vitest';
import { main } from '../../src/cli/main';

/** Run the CLI in-process, capturing what it prints; stray stderr (tfjs banners) is muted. */
export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((s: unknown) => void err.push(String(s)));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}
