import * as tf from '@tensorflow/tfjs';
import type { ModelSource, ProgressFn } from '../../../models/source';
import type { RgbaImage } from '../../image/types';
import { compileNet } from './compiled-net';

/**
 * Deep feature extractors: three ImageNet backbones fine-tuned on CRIC cell crops
 * (training/cls/cnn), shipped as tfjs LayersModels whose output is the penultimate layer's
 * global-average-pooled activation. Input is a plain RGBA cell crop (any square size; the
 * shipped crop is 96×96 at working scale) — the caller decides what the crop shows (plain, or
 * background-suppressed once segmentation is wired in).
 */
export const DEEP_NETS = ['mobilenet', 'squeezenet', 'darknet'] as const;
export type DeepNetName = (typeof DEEP_NETS)[number];

/** One network's entry in public/models/cnn/cnn.json (written by training/cls/cnn/export.py). */
export interface DeepNetConfig {
  /** model.json path relative to public/models. */
  path: string;
  /** Pretrained backbone it was fine-tuned from (e.g. 'mobilenetv2-1.0'). */
  backbone: string;
  /** Square side the crop is resized to (bilinear, half-pixel centres — as in training). */
  inputSize: number;
  featureDim: number;
  /** Per-channel affine applied to 0..255 RGB after resizing: x * a + b. */
  norm: { a: [number, number, number]; b: [number, number, number] };
  quantization?: string;
}

export interface DeepModelsConfig {
  version: string;
  cropSize: number;
  nets: Partial<Record<DeepNetName, DeepNetConfig>>;
}

export const DEEP_CONFIG_PATH = 'cnn/cnn.json';

export interface DeepExtractor {
  name: DeepNetName;
  config: DeepNetConfig;
  model: tf.LayersModel;
  /** The model's forward pass: compiled to fused ops when it can be (compiled-net.ts). */
  run(x: tf.Tensor4D): tf.Tensor;
}

export interface DeepExtractors {
  version: string;
  nets: Partial<Record<DeepNetName, DeepExtractor>>;
  /** Names loaded, in DEEP_NETS order. */
  names: DeepNetName[];
  dispose(): void;
}

export class DeepFeatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeepFeatureError';
  }
}

interface LayersModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

/** tfjs IOHandler over ModelSource bytes, so the same loader runs in Node and the browser. */
async function loadLayersModelFrom(
  source: ModelSource,
  path: string,
  onProgress?: ProgressFn,
): Promise<tf.LayersModel> {
  const json = await source.readJson<LayersModelJson>(path);
  if (!json.modelTopology || !Array.isArray(json.weightsManifest))
    throw new DeepFeatureError(`Model file ${path} is not a tfjs layers model.`);
  const base = dirOf(path);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) parts.push(await source.readBytes(base + p, onProgress));
    specs.push(...group.weights);
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: all.buffer,
    }),
  };
  return tf.loadLayersModel(handler);
}

/**
 * The files `loadDeepExtractors` reads for `names` (config, model JSON, weight shards), by path,
 * as `source` gives them (verified there): what a helper worker needs to load the same networks.
 */
export async function readDeepFiles(
  source: ModelSource,
  names: readonly DeepNetName[],
  configPath: string = DEEP_CONFIG_PATH,
): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  const json = async <T>(path: string): Promise<T> => {
    files[path] = await source.readBytes(path);
    return JSON.parse(new TextDecoder().decode(files[path])) as T;
  };
  const cfg = await json<DeepModelsConfig>(configPath);
  for (const name of names) {
    const c = cfg.nets?.[name];
    if (!c) throw new DeepFeatureError(`The deep feature model "${name}" is not shipped.`);
    const model = await json<LayersModelJson>(c.path);
    for (const group of model.weightsManifest ?? [])
      for (const p of group.paths)
        files[dirOf(c.path) + p] = await source.readBytes(dirOf(c.path) + p);
  }
  return files;
}

/** Load the shipped extractors (all of DEEP_NETS by default) from `source`. */
export async function loadDeepExtractors(
  source: ModelSource,
  names: readonly DeepNetName[] = DEEP_NETS,
  onProgress?: ProgressFn,
  configPath: string = DEEP_CONFIG_PATH,
): Promise<DeepExtractors> {
  const cfg = await source.readJson<DeepModelsConfig>(configPath);
  const nets: Partial<Record<DeepNetName, DeepExtractor>> = {};
  const loaded: DeepNetName[] = [];
  try {
    for (const name of DEEP_NETS) {
      if (!names.includes(name)) continue;
      const c = cfg.nets?.[name];
      if (!c) throw new DeepFeatureError(`The deep feature model "${name}" is not shipped.`);
      const model = await loadLayersModelFrom(source, c.path, onProgress);
      const compiled = compileNet(model);
      const run = compiled
        ? (x: tf.Tensor4D) => compiled.run(x)
        : (x: tf.Tensor4D) => model.predict(x) as tf.Tensor;
      nets[name] = { name, config: c, model, run };
      loaded.push(name);
    }
  } catch (e) {
    for (const n of loaded) nets[n]?.model.dispose();
    throw e;
  }
  return {
    version: cfg.version,
    nets,
    names: loaded,
    dispose() {
      for (const n of loaded) nets[n]?.model.dispose();
    },
  };
}

function checkCrop(crop: RgbaImage, i: number): void {
  if (
    !crop ||
    !(crop.width > 0) ||
    !(crop.height > 0) ||
    !crop.data ||
    crop.data.length !== crop.width * crop.height * 4
  )
    throw new DeepFeatureError(`Cell crop ${i} is empty or malformed; expected RGBA pixels.`);
}

/**
 * N equally sized crops → float32 NHWC tensor of RGB 0..255 (alpha dropped). Caller owns it.
 */
function cropsToTensor(crops: readonly RgbaImage[]): tf.Tensor4D {
  const { width: w, height: h } = crops[0];
  const buf = new Float32Array(crops.length * w * h * 3);
  let o = 0;
  crops.forEach((c, i) => {
    checkCrop(c, i);
    if (c.width !== w || c.height !== h)
      throw new DeepFeatureError('All cell crops of a batch must have the same size.');
    const d = c.data;
    for (let p = 0; p < d.length; p += 4) {
      buf[o++] = d[p];
      buf[o++] = d[p + 1];
      buf[o++] = d[p + 2];
    }
  });
  return tf.tensor4d(buf, [crops.length, h, w, 3]);
}

/** Resize + normalise exactly as training did (training/cls/cnn/train.py: resize, then x*a+b). */
function preprocess(x: tf.Tensor4D, c: DeepNetConfig): tf.Tensor4D {
  return tf.tidy(() => {
    const s = c.inputSize;
    const r =
      x.shape[1] === s && x.shape[2] === s ? x : tf.image.resizeBilinear(x, [s, s], false, true);
    return tf.add(tf.mul(r, tf.tensor1d(c.norm.a)), tf.tensor1d(c.norm.b)) as tf.Tensor4D;
  });
}

/**
 * Penultimate-layer (GAP) features of many crops for every loaded network (or `only`), in
 * chunks of `batchSize` — the field-mode path. Result[i][net] is a Float32Array of featureDim.
 */
export async function deepFeaturesBatch(
  crops: readonly RgbaImage[],
  extractors: DeepExtractors,
  only?: readonly DeepNetName[],
  batchSize = 32,
): Promise<Partial<Record<DeepNetName, Float32Array>>[]> {
  const out: Partial<Record<DeepNetName, Float32Array>>[] = crops.map(() => ({}));
  if (crops.length === 0) return out;
  crops.forEach(checkCrop);
  const names = extractors.names.filter((n) => !only || only.includes(n));
  if (only) {
    const missing = only.filter((n) => !extractors.nets[n]);
    if (missing.length)
      throw new DeepFeatureError(`Deep feature model(s) not loaded: ${missing.join(', ')}.`);
  }
  for (let start = 0; start < crops.length; start += batchSize) {
    const chunk = crops.slice(start, start + batchSize);
    const x = cropsToTensor(chunk);
    try {
      for (const name of names) {
        const ex = extractors.nets[name];
        if (!ex) continue;
        const y = tf.tidy(() => ex.run(preprocess(x, ex.config)) as tf.Tensor2D);
        const data = (await y.data()) as Float32Array;
        y.dispose();
        const d = ex.config.featureDim;
        for (let i = 0; i < chunk.length; i++)
          out[start + i][name] = data.slice(i * d, (i + 1) * d);
      }
    } finally {
      x.dispose();
    }
  }
  return out;
}

/** Penultimate-layer features of one crop for every loaded network (or `only`). */
export async function deepFeatures(
  crop: RgbaImage,
  extractors: DeepExtractors,
  only?: readonly DeepNetName[],
): Promise<Partial<Record<DeepNetName, Float32Array>>> {
  return (await deepFeaturesBatch([crop], extractors, only))[0];
}

/**
 * Adapter to the pipeline's extractor slot (`CellExtractors.deep` / `deepGroups` in
 * src/core/pipeline/cell-features.ts): group names there equal DEEP_NETS names.
 */
export function deepCellExtractor(extractors: DeepExtractors): {
  deep: (
    crop: RgbaImage,
    wanted: readonly string[],
  ) => Promise<Partial<Record<DeepNetName, Float32Array>>>;
  deepGroups: readonly DeepNetName[];
} {
  return {
    deep: (crop, wanted) =>
      deepFeatures(
        crop,
        extractors,
        extractors.names.filter((n) => wanted.includes(n)),
      ),
    deepGroups: extractors.names,
  };
}
