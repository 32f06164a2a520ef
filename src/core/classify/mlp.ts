import { mulberry32, shuffle } from '../util/random';

/** One-hidden-layer perceptron (ReLU) → class logits; softmax is applied by the caller. */
export interface MlpParams {
  inputDim: number;
  hidden: number;
  outputs: number;
  /** hidden × inputDim, row-major. */
  w1: Float32Array;
  b1: Float32Array;
  /** outputs × hidden, row-major. */
  w2: Float32Array;
  b2: Float32Array;
}

/** Logits for one (already standardised) input vector. */
export function mlpLogits(p: MlpParams, x: Float32Array, hiddenOut?: Float32Array): Float32Array {
  if (x.length !== p.inputDim) throw new Error(`MLP expects ${p.inputDim} inputs, got ${x.length}`);
  const h = hiddenOut ?? new Float32Array(p.hidden);
  for (let i = 0; i < p.hidden; i++) {
    let s = p.b1[i];
    const off = i * p.inputDim;
    for (let j = 0; j < p.inputDim; j++) s += p.w1[off + j] * x[j];
    h[i] = s > 0 ? s : 0;
  }
  const out = new Float32Array(p.outputs);
  for (let c = 0; c < p.outputs; c++) {
    let s = p.b2[c];
    const off = c * p.hidden;
    for (let i = 0; i < p.hidden; i++) s += p.w2[off + i] * h[i];
    out[c] = s;
  }
  return out;
}

/** Softmax of logits / temperature, numerically stable. */
export function softmax(logits: ArrayLike<number>, temperature = 1): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] / temperature);
  const e: number[] = [];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = Math.exp(logits[i] / temperature - max);
    e.push(v);
    sum += v;
  }
  return e.map((v) => v / sum);
}

export interface MlpTrainOptions {
  hidden?: number;
  /** Mini-batch size (paper: 32). */
  batchSize?: number;
  learningRate?: number;
  maxEpochs?: number;
  /** Stop after this many epochs without a better validation loss. */
  patience?: number;
  /** L2 penalty on weights (not biases). */
  weightDecay?: number;
  /** Dropout on the hidden layer during training. */
  dropout?: number;
  /** Per-class loss weights (NILM dominates CRIC); default all 1. */
  classWeights?: number[];
  seed?: number;
  /**
   * What early stopping watches on validation: the class-weighted loss (default) or macro-F1
   * (the reported metric; noisier with few rare-class cells).
   */
  stopOn?: 'loss' | 'macro_f1';
  onEpoch?: (epoch: number, trainLoss: number, valLoss: number) => void;
}

export interface MlpTrainResult {
  params: MlpParams;
  bestEpoch: number;
  epochsRun: number;
  bestValLoss: number;
}

/** Weighted mean cross-entropy of `p` on (x, y). */
export function mlpLoss(
  p: MlpParams,
  x: readonly Float32Array[],
  y: readonly number[],
  classWeights?: number[],
): number {
  let loss = 0;
  let wsum = 0;
  for (let n = 0; n < x.length; n++) {
    const pr = softmax(mlpLogits(p, x[n]));
    const w = classWeights ? classWeights[y[n]] : 1;
    loss -= w * Math.log(Math.max(pr[y[n]], 1e-12));
    wsum += w;
  }
  return wsum > 0 ? loss / wsum : 0;
}

/**
 * Train with mini-batch Adam and early stopping on the validation loss (the weights of the best
 * epoch are returned). Plain TS, deterministic for a seed: the data are small (a few thousand
 * cells × a few hundred PCA features), so no tensor library is needed.
 */
export function trainMlp(
  xTrain: readonly Float32Array[],
  yTrain: readonly number[],
  xVal: readonly Float32Array[],
  yVal: readonly number[],
  numClasses: number,
  options: MlpTrainOptions = {},
): MlpTrainResult {
  const hidden = options.hidden ?? 128;
  const batchSize = options.batchSize ?? 32;
  const lr = options.learningRate ?? 1e-3;
  const maxEpochs = options.maxEpochs ?? 200;
  const patience = options.patience ?? 20;
  const wd = options.weightDecay ?? 1e-4;
  const dropout = options.dropout ?? 0;
  const cw = options.classWeights ?? new Array<number>(numClasses).fill(1);
  const rand = mulberry32(options.seed ?? 1);
  if (xTrain.length === 0) throw new Error('no training samples');
  const d = xTrain[0].length;

  // He-normal init (Box–Muller from the seeded generator).
  const gauss = (): number => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const p: MlpParams = {
    inputDim: d,
    hidden,
    outputs: numClasses,
    w1: Float32Array.from({ length: hidden * d }, () => gauss() * Math.sqrt(2 / d)),
    b1: new Float32Array(hidden),
    w2: Float32Array.from({ length: numClasses * hidden }, () => gauss() * Math.sqrt(1 / hidden)),
    b2: new Float32Array(numClasses),
  };
  const tensors = [p.w1, p.b1, p.w2, p.b2];
  const grads = tensors.map((t) => new Float64Array(t.length));
  const m1 = tensors.map((t) => new Float64Array(t.length));
  const m2 = tensors.map((t) => new Float64Array(t.length));
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;

  const h = new Float32Array(hidden);
  const mask = new Float32Array(hidden);
  const dh = new Float64Array(hidden);
  const idx = xTrain.map((_, i) => i);
  let best: MlpParams = cloneMlp(p);
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let epoch = 0;
  for (epoch = 1; epoch <= maxEpochs; epoch++) {
    shuffle(idx, rand);
    let trainLoss = 0;
    let trainW = 0;
    for (let start = 0; start < idx.length; start += batchSize) {
      const batch = idx.slice(start, start + batchSize);
      for (const g of grads) g.fill(0);
      let bw = 0;
      for (const n of batch) bw += cw[yTrain[n]];
      if (bw === 0) continue;
      for (const n of batch) {
        const x = xTrain[n];
        const w = cw[yTrain[n]] / bw;
        // Forward with inverted dropout.
        for (let i = 0; i < hidden; i++) {
          let s = p.b1[i];
          const off = i * d;
          for (let j = 0; j < d; j++) s += p.w1[off + j] * x[j];
          mask[i] = dropout > 0 ? (rand() < dropout ? 0 : 1 / (1 - dropout)) : 1;
          h[i] = s > 0 ? s * mask[i] : 0;
        }
        const logits = new Float32Array(numClasses);
        for (let c = 0; c < numClasses; c++) {
          let s = p.b2[c];
          const off = c * hidden;
          for (let i = 0; i < hidden; i++) s += p.w2[off + i] * h[i];
          logits[c] = s;
        }
        const pr = softmax(logits);
        trainLoss -= cw[yTrain[n]] * Math.log(Math.max(pr[yTrain[n]], 1e-12));
        trainW += cw[yTrain[n]];
        // Backward: dL/dlogit = w (p − onehot).
        dh.fill(0);
        for (let c = 0; c < numClasses; c++) {
          const g = w * (pr[c] - (c === yTrain[n] ? 1 : 0));
          if (g === 0) continue;
          grads[3][c] += g;
          const off = c * hidden;
          for (let i = 0; i < hidden; i++) {
            grads[2][off + i] += g * h[i];
            dh[i] += g * p.w2[off + i];
          }
        }
        for (let i = 0; i < hidden; i++) {
          if (h[i] <= 0) continue;
          const g = dh[i] * mask[i];
          grads[1][i] += g;
          const off = i * d;
          for (let j = 0; j < d; j++) grads[0][off + j] += g * x[j];
        }
      }
      step++;
      const bc1 = 1 - Math.pow(beta1, step);
      const bc2 = 1 - Math.pow(beta2, step);
      for (let t = 0; t < tensors.length; t++) {
        const param = tensors[t];
        const g = grads[t];
        const a = m1[t];
        const b = m2[t];
        const decay = t === 0 || t === 2 ? wd : 0;
        for (let i = 0; i < param.length; i++) {
          const gi = g[i] + decay * param[i];
          a[i] = beta1 * a[i] + (1 - beta1) * gi;
          b[i] = beta2 * b[i] + (1 - beta2) * gi * gi;
          param[i] -= (lr * (a[i] / bc1)) / (Math.sqrt(b[i] / bc2) + 1e-8);
        }
      }
    }
    const valLoss = !xVal.length
      ? trainLoss / Math.max(trainW, 1e-12)
      : options.stopOn === 'macro_f1'
        ? -macroF1(p, xVal, yVal, numClasses)
        : mlpLoss(p, xVal, yVal, cw);
    options.onEpoch?.(epoch, trainLoss / Math.max(trainW, 1e-12), valLoss);
    if (valLoss < bestLoss - 1e-6) {
      bestLoss = valLoss;
      bestEpoch = epoch;
      best = cloneMlp(p);
    } else if (epoch - bestEpoch >= patience) {
      break;
    }
  }
  return { params: best, bestEpoch, epochsRun: Math.min(epoch, maxEpochs), bestValLoss: bestLoss };
}

/** Macro-F1 of argmax predictions (classes absent from y and never predicted count as 0). */
export function macroF1(
  p: MlpParams,
  x: readonly Float32Array[],
  y: readonly number[],
  k: number,
): number {
  const tp = new Array<number>(k).fill(0);
  const fp = new Array<number>(k).fill(0);
  const fn = new Array<number>(k).fill(0);
  for (let n = 0; n < x.length; n++) {
    const l = mlpLogits(p, x[n]);
    let best = 0;
    for (let c = 1; c < k; c++) if (l[c] > l[best]) best = c;
    if (best === y[n]) tp[best]++;
    else {
      fp[best]++;
      fn[y[n]]++;
    }
  }
  let s = 0;
  for (let c = 0; c < k; c++) s += tp[c] ? (2 * tp[c]) / (2 * tp[c] + fp[c] + fn[c]) : 0;
  return s / k;
}

export function cloneMlp(p: MlpParams): MlpParams {
  return { ...p, w1: p.w1.slice(), b1: p.b1.slice(), w2: p.w2.slice(), b2: p.b2.slice() };
}

/**
 * The mean of several MLPs' logits as one MLP: their hidden layers side by side, their output
 * weights divided by the count. A seed ensemble then needs no new model format or inference code.
 */
export function mergeMlps(members: readonly MlpParams[]): MlpParams {
  if (members.length === 0) throw new Error('mergeMlps needs at least one MLP');
  const { inputDim, outputs } = members[0];
  if (members.some((m) => m.inputDim !== inputDim || m.outputs !== outputs))
    throw new Error('mergeMlps: the MLPs differ in input or output size');
  const k = members.length;
  const hidden = members.reduce((s, m) => s + m.hidden, 0);
  const w1 = new Float32Array(hidden * inputDim);
  const b1 = new Float32Array(hidden);
  const w2 = new Float32Array(outputs * hidden);
  const b2 = new Float32Array(outputs);
  let h0 = 0;
  for (const m of members) {
    w1.set(m.w1, h0 * inputDim);
    b1.set(m.b1, h0);
    for (let c = 0; c < outputs; c++) {
      for (let i = 0; i < m.hidden; i++) w2[c * hidden + h0 + i] = m.w2[c * m.hidden + i] / k;
      b2[c] += m.b2[c] / k;
    }
    h0 += m.hidden;
  }
  return { inputDim, hidden, outputs, w1, b1, w2, b2 };
}
