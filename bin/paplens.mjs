#!/usr/bin/env node
// Entry point of the `paplens` CLI. Runs the TypeScript sources directly (via tsx) so the CLI
// executes exactly the pipeline modules the app ships — no separate build to drift.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
