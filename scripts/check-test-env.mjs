// Runs before `npm test`: the e2e suite needs Debian's Chromium (Playwright must not download one).
// On a fresh machine of this kind, as root, it installs it; otherwise it says exactly what to run.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const chromium = process.env.PAPLENS_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    console.log(
      'test setup: installing Debian chromium for the browser tests (apt-get install -y chromium)…',
    );
    execSync('apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium', {
      stdio: 'inherit',
    });
  } else {
    console.error(
      `test setup: ${chromium} not found. Install Debian's Chromium first: sudo apt-get install -y chromium`,
    );
    process.exit(1);
  }
}
