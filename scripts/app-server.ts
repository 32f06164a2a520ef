// The built app served as the e2e suite serves it (scripts/serve.mjs), for the browser scripts.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/data/paths';

/** Start the server on `port` and resolve once it answers at `base` (≈ 10 s at most). */
export async function startAppServer(port: string, base: string): Promise<ChildProcess> {
  const server = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'serve.mjs')], {
    env: { ...process.env, PORT: port },
    stdio: 'ignore',
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(base)).ok) return server;
    } catch {
      // not yet
    }
    if (i > 100) {
      server.kill();
      throw new Error('the app server did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
