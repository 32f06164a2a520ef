import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (two levels above this file). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where ../shared lives: $PAPLENS_SHARED, else ../shared beside the checkout. */
export function sharedDir(): string {
  return resolve(process.env.PAPLENS_SHARED ?? join(REPO_ROOT, '..', 'shared'));
}

/** Data root: $PAPLENS_DATA, else ../shared/data. */
export function dataDir(): string {
  return resolve(process.env.PAPLENS_DATA ?? join(sharedDir(), 'data'));
}

/** Pretrained weights root: $PAPLENS_WEIGHTS, else ../shared/weights. */
export function weightsDir(): string {
  return resolve(process.env.PAPLENS_WEIGHTS ?? join(sharedDir(), 'weights'));
}

export function hasData(): boolean {
  return existsSync(join(dataDir(), 'herlev-sd')) && existsSync(join(dataDir(), 'cric'));
}

/** Message used by tests that skip when ../shared is absent (a user's fresh clone has none). */
export const NO_DATA_MESSAGE =
  'skipped: ../shared/data not found (set PAPLENS_DATA to the data folder to run data-dependent tests)';
