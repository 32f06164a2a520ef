import * as tf from '@tensorflow/tfjs';
import type { ModelSource } from '../../models/source';
import { foldUpsampledConv, upsampledConv, type UpsampledConv } from './upsampled-conv';

/**
 * Residual SE-UNet in tfjs ops, the same graph as training/seg/model.py (see there for the layout).
 * Weights come from training/seg/export.py: raw little-endian float32 + `model.json`.
 */

export type BlockKind = 'plain' | 'residual' | 'rse';

export interface SegTensorSpec {
  name: string;
  shape: number[];
  /** Offset in float32 elements into weights.bin. */
  offset: number;
}

export interface SegManifest {
  format: string;
  architecture: {
    kind: BlockKind;
    base: number;
    depth: number;
    inChannels: number;
    bridgeMult: number;
    seReduction: number;
    seMinHidden: number;
  };
  input: { channels: number; multiple: number; minSize: number };
  workingScale: { fieldScale: number; cellScale: number; description: string };
  threshold: number;
  bnEpsilon: number;
  weights: { path: string; dtype: 'float32'; bytes: number; sha256: string };
  tensors: SegTensorSpec[];
}

export interface SegModel {
  manifest: SegManifest;
  /** Short identifier for AnalysisResult.modelVersions (first 12 hex of the weights' SHA-256). */
  version: string;
  /** Probability map (N,H,W,1) for grey input (N,H,W,1) in 0..1; H, W multiples of manifest.input.multiple. */
  predict(x: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/** Minimal file access the loader needs (a verified ModelSource, or a plain folder for ablation runs). */
export type SegModelFiles = Pick<ModelSource, 'readBytes' | 'readJson'>;

export class SegModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegModelFormatError';
  }
}

/** Load `<dir>/model.json` and its weights (paths relative to the model source root). */
export async function loadSegModel(
  source: SegModelFiles,
  dir = 'seg',
  onProgress?: (loaded: number, total: number) => void,
): Promise<SegModel> {
  const manifest = await source.readJson<SegManifest>(`${dir}/model.json`);
  if (manifest.format !== 'paplens-seg/1' || manifest.weights?.dtype !== 'float32')
    throw new SegModelFormatError(
      `Segmentation model ${dir}/model.json has an unsupported format.`,
    );
  const weightsPath = `${dir}/${manifest.weights.path.split('/').pop()}`;
  const bytes = await source.readBytes(weightsPath, onProgress);
  if (bytes.length !== manifest.weights.bytes || bytes.length % 4 !== 0)
    throw new SegModelFormatError(`Segmentation weights ${weightsPath} have the wrong size.`);
  // Copy to an aligned buffer (a Node Buffer slice may start at an odd offset).
  const floats = new Float32Array(bytes.slice().buffer);
  const weights = new Map<string, tf.Tensor>();
  const folded = new Map<string, UpsampledConv>();
  const dispose = () => {
    for (const t of weights.values()) t.dispose();
    weights.clear();
    for (const f of folded.values()) tf.dispose([...f.rows, f.bias]);
    folded.clear();
  };
  try {
    for (const t of manifest.tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (t.offset + n > floats.length)
        throw new SegModelFormatError(`Segmentation weights are truncated at tensor ${t.name}.`);
      weights.set(t.name, tf.tensor(floats.subarray(t.offset, t.offset + n), t.shape, 'float32'));
    }
    foldBatchNorms(weights, manifest.bnEpsilon);
    splitDecoderInputs(weights, manifest.architecture.depth);
    foldUpsampling(weights, manifest.architecture.depth, folded);
  } catch (e) {
    // A malformed model must not leave the tensors made so far behind (they hold GPU memory).
    dispose();
    throw e;
  }
  const version = manifest.weights.sha256.slice(0, 12);
  return {
    manifest,
    version,
    predict: (x) => forward(x, weights, folded, manifest),
    dispose,
  };
}

/** The network on one padded grey tile (ph × pw, 0..1): its probability map, tensors disposed. */
export async function predictTile(
  model: SegModel,
  tile: Float32Array,
  ph: number,
  pw: number,
): Promise<Float32Array> {
  const input = tf.tensor4d(tile, [1, ph, pw, 1]);
  const pred = model.predict(input);
  input.dispose();
  try {
    return (await pred.data()) as Float32Array;
  } finally {
    pred.dispose();
  }
}

function get<R extends tf.Rank>(w: Map<string, tf.Tensor>, name: string): tf.Tensor<R> {
  const t = w.get(name);
  if (!t) throw new SegModelFormatError(`Segmentation weights lack tensor ${name}.`);
  return t as tf.Tensor<R>;
}

/**
 * Fold every inference BatchNorm into the conv before it (kernel·s and bias β − μ·s with
 * s = γ/√(σ² + ε)), so each conv + BN (+ ReLU) is one fused conv: BatchNorm alone was ~23 % of
 * the WASM network time on a 512² tile (docs/PERFORMANCE.md has the before/after).
 */
function foldBatchNorms(w: Map<string, tf.Tensor>, eps: number): void {
  const bnOf: Record<string, string> = { conv1: 'bn1', conv2: 'bn2', 'short.0': 'short.1' };
  for (const name of [...w.keys()]) {
    const m = /^(.*)\.(conv1|conv2|short\.0)\.weight$/.exec(name);
    if (!m) continue;
    const p = `${m[1]}.${bnOf[m[2]]}`;
    const [kernel, bias] = tf.tidy(() => {
      const s = tf.mul(get(w, `${p}.weight`), tf.rsqrt(tf.add(get(w, `${p}.running_var`), eps)));
      return [
        tf.mul(get(w, name), s),
        tf.sub(get(w, `${p}.bias`), tf.mul(get(w, `${p}.running_mean`), s)),
      ];
    });
    for (const k of ['weight', 'bias', 'running_mean', 'running_var']) {
      get(w, `${p}.${k}`).dispose();
      w.delete(`${p}.${k}`);
    }
    get(w, name).dispose();
    w.set(name, kernel);
    w.set(`${name}:bias`, bias);
  }
}

/**
 * A decoder block's input is [upsampled, skip] concatenated on channels, and a convolution of a
 * concatenation is the sum of the convolutions of its parts. So each decoder conv that reads the
 * concatenation (conv1, short.0) keeps its kernel split by input channels (`:up`, `:skip`) and the
 * concatenation is never built: in the WASM backend Concat runs in JavaScript (≈ 0.4 s of a dense
 * field, docs/PERFORMANCE.md). The sums run in another order than PyTorch's; the parity
 * test's 1e-4 bound holds.
 */
function splitDecoderInputs(w: Map<string, tf.Tensor>, depth: number): void {
  for (let i = 0; i < depth; i++) {
    const prev = i === 0 ? 'bridge' : `dec.${i - 1}`;
    const up = get<tf.Rank.R4>(w, `${prev}.conv2.weight`).shape[3];
    for (const name of [`dec.${i}.conv1`, `dec.${i}.short.0`]) {
      if (!w.has(`${name}.weight`)) continue;
      const k = get<tf.Rank.R4>(w, `${name}.weight`);
      const [a, b] = tf.split(k, [up, k.shape[2] - up], 2);
      k.dispose();
      w.delete(`${name}.weight`);
      w.set(`${name}.weight:up`, a);
      w.set(`${name}.weight:skip`, b);
    }
  }
}

/**
 * The ×2 nearest upsampling folded into the decoder's first 3×3 conv on the upsampled half
 * (src/core/segment/upsampled-conv.ts), so the upsampled map is never built; a 1×1 shortcut
 * commutes with the upsampling, so it runs at the low resolution and only its output is
 * upsampled. Same network, sums in another order (parity test: 1e-4; docs/PERFORMANCE.md).
 */
function foldUpsampling(
  w: Map<string, tf.Tensor>,
  depth: number,
  /** Filled here (the caller's, so it can dispose what was made if a later conv fails). */
  folded: Map<string, UpsampledConv>,
): void {
  for (let i = 0; i < depth; i++) {
    const name = `dec.${i}.conv1`;
    const k = get<tf.Rank.R4>(w, `${name}.weight:up`);
    const [kh, kw] = k.shape;
    if (kh !== 3 || kw !== 3)
      throw new SegModelFormatError(`${name} must have a 3×3 kernel, got ${kh}×${kw}.`);
    folded.set(name, foldUpsampledConv(k, get(w, `${name}.weight:bias`)));
    k.dispose();
    w.delete(`${name}.weight:up`);
  }
}

/** A decoder block's input: the lower level's output (upsampled ×2 only virtually) and the skip. */
interface DecoderInput {
  low: tf.Tensor4D;
  skip: tf.Tensor4D;
}

function upsample(x: tf.Tensor4D): tf.Tensor4D {
  // Nearest ×2 (src = floor(dst/2)), as PyTorch F.interpolate(scale_factor=2, mode='nearest').
  return tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2], false, false);
}

/** Conv with folded BN; symmetric explicit padding (pad=1 for 3×3) as PyTorch padding=1. */
function convBn(
  x: tf.Tensor4D | DecoderInput,
  w: Map<string, tf.Tensor>,
  name: string,
  stride: number,
  activation: 'relu' | 'linear',
  /** conv1 of a decoder block: its upsampled half's kernel folded with the upsampling. */
  folded?: UpsampledConv,
): tf.Tensor4D {
  const bias = get(w, `${name}.weight:bias`);
  if (!('low' in x)) {
    const filter = get<tf.Rank.R4>(w, `${name}.weight`);
    const pad = (filter.shape[0] - 1) / 2;
    return tf.fused.conv2d({ x, filter, strides: stride, pad, bias, activation });
  }
  const fs = get<tf.Rank.R4>(w, `${name}.weight:skip`);
  const pad = (fs.shape[0] - 1) / 2;
  // The upsampled half: conv1's 3×3 kernel is folded with the upsampling, a 1×1 commutes with it.
  const a = folded
    ? upsampledConv(x.low, folded)
    : upsample(
        tf.fused.conv2d({
          x: x.low,
          filter: get<tf.Rank.R4>(w, `${name}.weight:up`),
          strides: 1,
          pad: 0,
          bias,
        }),
      );
  const b = tf.conv2d(x.skip, fs, stride, pad);
  const sum: tf.Tensor4D = tf.add(a, b);
  return activation === 'relu' ? tf.relu(sum) : sum;
}

/**
 * Global average pool of NHWC → [N, C]. tfjs-wasm's Mean over H, W first transposes the whole map
 * to channels-first (≈ 9 ms of a 512² tile's last block); its AvgPool (XNNPACK) reads
 * channels-last directly, with the whole map as the window. GPU backends keep their reduction (a
 * 512²-px pooling window would be one long loop per output there).
 */
function squeeze(y: tf.Tensor4D): tf.Tensor2D {
  const [n, h, wd, c] = y.shape;
  if (tf.getBackend() !== 'wasm') return tf.mean(y, [1, 2]) as tf.Tensor2D;
  return tf.reshape(tf.avgPool(y, [h, wd], 1, 'valid'), [n, c]);
}

function block(
  x: tf.Tensor4D | DecoderInput,
  w: Map<string, tf.Tensor>,
  p: string,
  stride: number,
  kind: BlockKind,
  folded?: UpsampledConv,
): tf.Tensor4D {
  let y = convBn(x, w, `${p}.conv1`, stride, 'relu', folded);
  y = convBn(y, w, `${p}.conv2`, 1, 'linear');
  if (kind !== 'plain') {
    const hasShort = w.has(`${p}.short.0.weight:bias`);
    if (!hasShort && 'low' in x) throw new SegModelFormatError(`${p} needs a shortcut conv.`);
    const short = hasShort ? convBn(x, w, `${p}.short.0`, stride, 'linear') : (x as tf.Tensor4D);
    y = tf.add(y, short);
  }
  y = tf.relu(y);
  if (kind === 'rse') {
    // Squeeze (global average pool) → dense+ReLU → dense+sigmoid → channel scaling.
    const s = squeeze(y);
    const h = tf.relu(
      tf.add(tf.matMul(s, get(w, `${p}.se.fc1.weight`)), get(w, `${p}.se.fc1.bias`)),
    );
    const g = tf.sigmoid(
      tf.add(tf.matMul(h as tf.Tensor2D, get(w, `${p}.se.fc2.weight`)), get(w, `${p}.se.fc2.bias`)),
    );
    y = tf.mul(y, tf.reshape(g, [y.shape[0], 1, 1, y.shape[3]]));
  }
  return y;
}

function forward(
  x: tf.Tensor4D,
  w: Map<string, tf.Tensor>,
  folded: Map<string, UpsampledConv>,
  m: SegManifest,
): tf.Tensor4D {
  const { kind, depth } = m.architecture;
  return tf.tidy(() => {
    const skips: tf.Tensor4D[] = [x];
    let h = x;
    for (let i = 0; i < depth; i++) {
      h = block(h, w, `enc.${i}`, 2, kind);
      skips.push(h);
    }
    h = block(h, w, 'bridge', 1, kind);
    for (let i = 0; i < depth; i++)
      h = block(
        { low: h, skip: skips[depth - 1 - i] },
        w,
        `dec.${i}`,
        1,
        kind,
        folded.get(`dec.${i}.conv1`),
      );
    const logits = tf.add(tf.conv2d(h, get(w, 'head.weight'), 1, 0), get(w, 'head.bias'));
    return tf.sigmoid(logits) as tf.Tensor4D;
  });
}
