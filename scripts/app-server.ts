// The built app served as the e2e suite serves it (scripts/serve.mjs), for the browser scripts.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/data/paths';

async function answers(base: string): Promise<boolean> {
  try {
    return (await fetch(base)).ok;
  } catch {
    return false;
  }
}

/**
 * Start the server on `port` and resolve once it answers at `base` (≈ 10 s at most). `dist`: the
 * folder to serve (default: this checkout's dist/). Refuses a port that already answers: a server
 * left over from an earlier run would otherwise be measured in place of this build.
 */
export async function startAppServer(
  port: string,
  base: string,
  dist?: string,
): Promise<ChildProcess> {
  if (await answers(base))
    throw new Error(
      `something already answers at ${base} (a server left from an earlier run?): stop it or pick another --port`,
    );
  const server = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'serve.mjs')], {
    env: { ...process.env, PORT: port, ...(dist ? { PAPLENS_DIST: dist } : {}) },
    stdio: 'ignore',
  });
  let exited: number | null = null;
  server.on('exit', (code) => (exited = code ?? -1));
  for (let i = 0; ; i++) {
    if (await answers(base)) return server;
    if (exited !== null || i > 100) {
      server.kill();
      throw new Error(
        exited !== null ? `the app server exited (code ${exited})` : 'the app server did not start',
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The ports of two builds served side by side (browser-ab.ts, first-image.ts): `port` and
 * `port` + 2 — 4190 (4189 + 1) is on the Fetch standard's list of blocked ports ("bad port").
 */
export function pairedPorts(port: string): { A: string; B: string } {
  return { A: port, B: String(Number(port) + 2) };
}
