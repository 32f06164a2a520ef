// One analysis worker thread of `paplens analyze` (one per core): its own tfjs WASM backend and
// models, the same analyze() as the app. See analysis-pool.ts.
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import { loadPipelineModels, type PipelineModels } from '../../core/pipeline/models';
import { nodeModelSource } from '../../models/node-source';
import { nodeEndpoint } from '../../workers/node-endpoint';
import { initNodeTf } from '../tf-node';
import { analyzeOne } from './analyze-one';
import type { CliAnalysisWorkerApi } from './worker-api';

if (!parentPort) throw new Error('analysis.node-worker.ts must run inside a worker thread.');
let models: PipelineModels | null = null;

const api: CliAnalysisWorkerApi = {
  async init(modelsDir) {
    await initNodeTf();
    models = await loadPipelineModels(nodeModelSource(modelsDir));
  },
  async analyze(image, mode, name, options) {
    if (!models) throw new Error('the analysis worker has no models');
    return analyzeOne(image, models, mode, name, options);
  },
  dispose() {
    models?.dispose();
    models = null;
  },
};
expose(api, nodeEndpoint(parentPort));
