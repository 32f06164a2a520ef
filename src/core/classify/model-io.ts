import type { FusionModel } from './fusion';
import { isFeatureGroup } from './groups';
import type { MlpParams } from './mlp';
import type { PcaParams } from './pca';
import { DEFAULT_CELL_PIPELINE, type CellPipelineConfig } from '../pipeline/cell-features';

/** Structural subset of the app/CLI ModelSource (src/models/source.ts), so core stays standalone. */
export interface BytesSource {
  readBytes(
    path: string,
    onProgress?: (loaded: number, total: number) => void,
  ): Promise<Uint8Array>;
  readJson<T>(path: string): Promise<T>;
}

export const FUSION_FORMAT = 'paplens-fusion-v1';

interface ArrayRef {
  offset: number;
  length: number;
}

export interface FusionModelJson {
  format: typeof FUSION_FORMAT;
  /** Binary file beside the JSON holding every array, little-endian. */
  weights: string;
  dtype: 'float32' | 'float16';
  classes: string[];
  groups: {
    name: string;
    d: number;
    k: number;
    explained: number;
    mean: ArrayRef;
    components: ArrayRef;
    eigenvalues: ArrayRef;
  }[];
  scaler: { mean: ArrayRef; std: ArrayRef };
  mlp: {
    inputDim: number;
    hidden: number;
    outputs: number;
    w1: ArrayRef;
    b1: ArrayRef;
    w2: ArrayRef;
    b2: ArrayRef;
  };
  temperature: number;
  abnormalThreshold: number;
  lowConfidenceBelow: number;
  pipeline: CellPipelineConfig;
  meta: Record<string, unknown>;
}

/**
 * Serialise to JSON + one binary blob. float16 halves the size (PCA axes and MLP weights are
 * well within half precision); means and scaler stay exact enough either way.
 */
export function serializeFusionModel(
  model: FusionModel,
  weightsFile = 'weights.bin',
  dtype: 'float32' | 'float16' = 'float32',
): { json: FusionModelJson; bin: Uint8Array } {
  const chunks: Float32Array[] = [];
  let offset = 0;
  const put = (a: Float32Array): ArrayRef => {
    chunks.push(a);
    const ref = { offset, length: a.length };
    offset += a.length;
    return ref;
  };
  const json: FusionModelJson = {
    format: FUSION_FORMAT,
    weights: weightsFile,
    dtype,
    classes: [...model.classes],
    groups: model.groups.map((g) => ({
      name: g.name,
      d: g.pca.d,
      k: g.pca.k,
      explained: g.pca.explained,
      mean: put(g.pca.mean),
      components: put(g.pca.components),
      eigenvalues: put(g.pca.eigenvalues),
    })),
    scaler: { mean: put(model.scaler.mean), std: put(model.scaler.std) },
    mlp: {
      inputDim: model.mlp.inputDim,
      hidden: model.mlp.hidden,
      outputs: model.mlp.outputs,
      w1: put(model.mlp.w1),
      b1: put(model.mlp.b1),
      w2: put(model.mlp.w2),
      b2: put(model.mlp.b2),
    },
    temperature: model.temperature,
    abnormalThreshold: model.abnormalThreshold,
    lowConfidenceBelow: model.lowConfidenceBelow,
    pipeline: model.pipeline,
    meta: model.meta,
  };
  const all = new Float32Array(offset);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  const bytesPer = dtype === 'float16' ? 2 : 4;
  const bin = new Uint8Array(all.length * bytesPer);
  const view = new DataView(bin.buffer);
  for (let i = 0; i < all.length; i++) {
    if (dtype === 'float16') view.setUint16(2 * i, float32ToFloat16(all[i]), true);
    else view.setFloat32(4 * i, all[i], true);
  }
  return { json, bin };
}

/** Rebuild a model from its JSON header and weights blob; throws a clear message on a bad file. */
export function parseFusionModel(json: FusionModelJson, bin: Uint8Array): FusionModel {
  if (json.format !== FUSION_FORMAT)
    throw new Error(
      `classifier file has format "${String(json.format)}", expected ${FUSION_FORMAT}`,
    );
  const bytesPer = json.dtype === 'float16' ? 2 : 4;
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const get = (r: ArrayRef): Float32Array => {
    if ((r.offset + r.length) * bytesPer > bin.byteLength)
      throw new Error('classifier weights file is truncated');
    const out = new Float32Array(r.length);
    for (let i = 0; i < r.length; i++) {
      const b = (r.offset + i) * bytesPer;
      out[i] =
        bytesPer === 2 ? float16ToFloat32(view.getUint16(b, true)) : view.getFloat32(b, true);
    }
    return out;
  };
  const groups = json.groups.map((g) => {
    if (!isFeatureGroup(g.name))
      throw new Error(`classifier uses unknown feature group "${g.name}"`);
    const pca: PcaParams = {
      d: g.d,
      k: g.k,
      explained: g.explained,
      mean: get(g.mean),
      components: get(g.components),
      eigenvalues: get(g.eigenvalues),
    };
    return { name: g.name, pca };
  });
  const mlp: MlpParams = {
    inputDim: json.mlp.inputDim,
    hidden: json.mlp.hidden,
    outputs: json.mlp.outputs,
    w1: get(json.mlp.w1),
    b1: get(json.mlp.b1),
    w2: get(json.mlp.w2),
    b2: get(json.mlp.b2),
  };
  return {
    classes: json.classes,
    groups,
    scaler: { mean: get(json.scaler.mean), std: get(json.scaler.std) },
    mlp,
    temperature: json.temperature,
    abnormalThreshold: json.abnormalThreshold,
    lowConfidenceBelow: json.lowConfidenceBelow,
    pipeline: { ...DEFAULT_CELL_PIPELINE, ...json.pipeline },
    meta: json.meta ?? {},
  };
}

/** Load `<dir>/model.json` + its weights through any model source (fetch or file system). */
export async function loadFusionModel(
  source: BytesSource,
  dir = 'cls',
  onProgress?: (loaded: number, total: number) => void,
): Promise<FusionModel> {
  const json = await source.readJson<FusionModelJson>(`${dir}/model.json`);
  const bin = await source.readBytes(`${dir}/${json.weights}`, onProgress);
  return parseFusionModel(json, bin);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary32 → binary16 bits, round to nearest even. */
export function float32ToFloat16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A mantissa carry rolls into the exponent, which is the correct rounding (up to Inf).
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
