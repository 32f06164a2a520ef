/// <reference lib="webworker" />
// The analysis worker: tfjs (WebGPU/WebGL/WASM) and the full pipeline run here (decoding has its
// own worker, src/workers/decode, so a file that decodes for ever can be stopped),
// so the page never freezes. The main thread talks to it through comlink (see ../client.ts).
import * as Comlink from 'comlink';
import { fetchModelSource } from '../../models/fetch-source';
import { modelVersions, prefetchModels } from '../../models/browser/prefetch';
import { initBackend, memoryInfo } from './backend';
import { browserTileEnv, segTileWorkerCount } from './seg-tiles';
import { loadPipeline, NO_MODEL_MESSAGE, type Pipeline } from './pipeline';
import type { AnalysisWorkerApi, BackendName, ModelStatus } from './protocol';

const BASE = new URL(import.meta.env.BASE_URL, self.location.origin).href;
const MODELS_URL = new URL('models/', BASE).href;

let pipeline: Pipeline | null = null;
let current: AbortController | null = null;
let segWorkersWanted: number | null = null;
let idleStopSWanted: number | null = null;

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const api: AnalysisWorkerApi = {
  async init(
    preferred: BackendName | null,
    segWorkers: number | null = null,
    idleStopS: number | null = null,
  ) {
    segWorkersWanted = segWorkers;
    idleStopSWanted = idleStopS;
    // The tile workers WASM would get (loadPipeline starts them): none → more WASM threads.
    return initBackend(
      preferred,
      new URL(`${__WASM_PATH__}/`, BASE).href,
      segTileWorkerCount(segWorkers, browserTileEnv('wasm')),
    );
  },

  async loadModels(onProgress): Promise<ModelStatus> {
    const t0 = performance.now();
    const none = (message: string): ModelStatus => ({
      ready: false,
      message,
      missing: [],
      versions: {},
      totalBytes: 0,
      loadMs: performance.now() - t0,
    });
    // The Lead's source: same-origin fetch, byte progress, size + SHA-256 verification.
    const source = fetchModelSource(MODELS_URL);
    let manifest;
    try {
      manifest = await source.manifest();
    } catch (e) {
      return none(`The model list could not be read: ${errorMessage(e)}`);
    }
    if (!manifest || manifest.files.length === 0) return none(NO_MODEL_MESSAGE);
    const versions = { manifest: manifest.version, ...modelVersions(manifest.files) };
    const totalBytes = manifest.files.reduce((s, f) => s + f.bytes, 0);
    try {
      const cached = await prefetchModels(source, manifest.files, (loaded, total, file) =>
        onProgress({ loaded, total, file }),
      );
      const p = await loadPipeline(
        cached,
        versions,
        segWorkersWanted,
        idleStopSWanted !== null ? idleStopSWanted * 1000 : undefined,
      );
      if (typeof p === 'string') return { ...none(p), versions, totalBytes };
      pipeline?.dispose();
      pipeline = p;
      return {
        ready: true,
        message: p.missing.length
          ? `Models loaded; not shipped: ${p.missing.join('; ')}.`
          : 'Models loaded.',
        missing: p.missing,
        versions: p.versions,
        totalBytes,
        loadMs: performance.now() - t0,
      };
    } catch (e) {
      return {
        ...none(`The models could not be loaded: ${errorMessage(e)}`),
        versions,
        totalBytes,
      };
    }
  },

  async analyze(image, options, onProgress) {
    if (!pipeline) throw new Error(NO_MODEL_MESSAGE);
    current = new AbortController();
    try {
      return await pipeline.run(image, options, onProgress, current.signal);
    } finally {
      current = null;
    }
  },

  async analyzeSlide(file, options, onTile) {
    if (!pipeline) throw new Error(NO_MODEL_MESSAGE);
    current = new AbortController();
    try {
      return await pipeline.runSlide(file, options, onTile, current.signal);
    } finally {
      current = null;
    }
  },

  async classifySetAside(image, nucleus, scale) {
    if (!pipeline) throw new Error(NO_MODEL_MESSAGE);
    return pipeline.classifySetAside(image, nucleus, scale);
  },

  prepare() {
    pipeline?.prepare();
  },

  cancel() {
    current?.abort();
  },

  memory() {
    return {
      ...memoryInfo(),
      descriptors: pipeline?.descriptors() ?? null,
      segTiles: pipeline?.segTiles() ?? null,
    };
  },
};

Comlink.expose(api);
