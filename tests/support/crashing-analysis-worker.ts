// A stand-in for analysis.node-worker.ts that dies on demand, for the pool's failure tests. The
// image's name says how: 'throw' (an uncaught exception), 'exit' (process.exit); anything else
// returns a minimal result. modelsDir 'fail-init' makes init() fail, 'exit-init' ends the thread
// during it.
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import { nodeEndpoint } from '../../src/workers/node-endpoint';
import type { CliAnalysisWorkerApi } from '../../src/cli/analysis/worker-api';
import type { AnalysisResult } from '../../src/core/types';

if (!parentPort) throw new Error('must run in a worker thread');
const api: CliAnalysisWorkerApi = {
  async init(modelsDir) {
    if (modelsDir === 'fail-init') throw new Error('init failed on purpose');
    if (modelsDir === 'exit-init') process.exit(5);
  },
  async analyze(image, mode, name) {
    if (name === 'throw')
      setTimeout(() => {
        throw new Error('uncaught on purpose');
      });
    else if (name === 'exit') setTimeout(() => process.exit(7));
    else
      return {
        image: { width: image.width, height: image.height },
        mode,
        nuclei: [],
      } as unknown as AnalysisResult;
    return new Promise<AnalysisResult>(() => undefined); // never settles: the thread dies first
  },
  dispose() {},
};
expose(api, nodeEndpoint(parentPort));
