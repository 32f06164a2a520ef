// Entry of the self-contained `paplens` bundle (scripts/gpu-bench/build.ts): bin/paplens.mjs
// without tsx.
import { main } from '../../src/cli/main';

process.exitCode = await main(process.argv.slice(2));
