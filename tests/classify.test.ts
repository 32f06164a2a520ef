import { describe, expect, it } from 'vitest';
import { chooseThreshold, fitTemperature, nllAtTemperature } from '../src/core/classify/calibrate';
import { classifyFeatures } from '../src/core/classify/fusion';
import type { CellFeatures } from '../src/core/classify/groups';
import { mergeMlps, mlpLogits, softmax, trainMlp } from '../src/core/classify/mlp';
import {
  float16ToFloat32,
  float32ToFloat16,
  parseFusionModel,
  serializeFusionModel,
} from '../src/core/classify/model-io';
import { fitPca, pcaTransform } from '../src/core/classify/pca';
import { classWeights, trainFusion } from '../src/core/classify/train';
import { mulberry32 } from '../src/core/util/random';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
}

/** n samples per class of d-dim Gaussians around well-separated class centres. */
function clusters(
  n: number,
  d: number,
  classes: number,
  seed: number,
  spread = 1,
): { x: Float32Array[]; y: number[] } {
  const rand = mulberry32(seed);
  const centres = Array.from({ length: classes }, (_, c) =>
    Float32Array.from({ length: d }, (_, j) => (j % classes === c ? 4 : 0)),
  );
  const x: Float32Array[] = [];
  const y: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < n; i++) {
      x.push(Float32Array.from(centres[c], (v) => v + spread * gaussian(rand)));
      y.push(c);
    }
  }
  return { x, y };
}

describe('PCA', () => {
  it('finds the dominant axis of an elongated cloud and keeps ≥ 95% of the variance', () => {
    const rand = mulberry32(3);
    // Variance 100 along (1,1,0)/√2, 1 along (1,−1,0)/√2, 0.01 along z; mean (5, −2, 1).
    const rows = Array.from({ length: 2000 }, () => {
      const a = 10 * gaussian(rand);
      const b = gaussian(rand);
      const c = 0.1 * gaussian(rand);
      return Float32Array.of(5 + (a + b) / Math.SQRT2, -2 + (a - b) / Math.SQRT2, 1 + c);
    });
    const p = fitPca(rows, { varianceKept: 0.95 });
    expect(p.k).toBe(1);
    expect(p.explained).toBeGreaterThan(0.95);
    expect(Math.abs(p.components[0])).toBeCloseTo(Math.SQRT1_2, 2);
    expect(Math.abs(p.components[1])).toBeCloseTo(Math.SQRT1_2, 2);
    expect(Math.abs(p.components[2])).toBeLessThan(0.01);
    expect(p.eigenvalues[0]).toBeGreaterThan(90);
    expect(p.eigenvalues[0]).toBeLessThan(110);
    expect(p.mean[0]).toBeCloseTo(5, 0);
    // The mean projects to the origin.
    expect(pcaTransform(p, p.mean)[0]).toBeCloseTo(0, 5);
    const all = fitPca(rows, { varianceKept: 0.999999 });
    expect(all.k).toBe(3);
    // Axes are orthonormal.
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let dot = 0;
        for (let t = 0; t < 3; t++) dot += all.components[i * 3 + t] * all.components[j * 3 + t];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
      }
    }
    expect(fitPca(rows, { varianceKept: 0.999999, maxComponents: 2 }).k).toBe(2);
  });

  it('rejects wrong input sizes with a clear message', () => {
    expect(() => fitPca([Float32Array.of(1, 2)])).toThrow(/at least two/);
    const p = fitPca([Float32Array.of(1, 2), Float32Array.of(2, 5), Float32Array.of(0, 1)]);
    expect(() => pcaTransform(p, Float32Array.of(1, 2, 3))).toThrow(/expects 2 features/);
  });
});

describe('MLP', () => {
  it('softmax is normalised and temperature flattens it', () => {
    const p = softmax([2, 1, 0]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(softmax([2, 1, 0], 10)[0]).toBeLessThan(p[0]);
    expect(softmax([1000, 0])[0]).toBeCloseTo(1, 10);
  });

  it("mergeMlps gives the mean of its members' logits as one MLP", () => {
    const train = clusters(20, 5, 3, 4);
    const members = [3, 4, 5].map(
      (seed, i) =>
        trainMlp(train.x, train.y, train.x, train.y, 3, {
          hidden: 4 + i,
          maxEpochs: 5,
          patience: 5,
          seed,
        }).params,
    );
    const merged = mergeMlps(members);
    expect(merged.hidden).toBe(4 + 5 + 6);
    for (const x of train.x.slice(0, 10)) {
      const mean = [0, 1, 2].map(
        (c) => members.reduce((s, m) => s + mlpLogits(m, x)[c], 0) / members.length,
      );
      const got = mlpLogits(merged, x);
      mean.forEach((v, c) => expect(got[c]).toBeCloseTo(v, 4));
    }
    expect(() => mergeMlps([])).toThrow();
    expect(() => mergeMlps([members[0], { ...members[1], outputs: 4 }])).toThrow();
  });

  it('learns separable 6-class clusters and generalises to held-out samples', () => {
    const train = clusters(60, 12, 6, 1);
    const val = clusters(20, 12, 6, 2);
    const test = clusters(30, 12, 6, 3);
    const res = trainMlp(train.x, train.y, val.x, val.y, 6, {
      hidden: 16,
      maxEpochs: 60,
      patience: 10,
      seed: 7,
    });
    let correct = 0;
    test.x.forEach((x, i) => {
      const l = mlpLogits(res.params, x);
      if (l.indexOf(Math.max(...l)) === test.y[i]) correct++;
    });
    expect(correct / test.x.length).toBeGreaterThan(0.95);
    expect(res.bestEpoch).toBeGreaterThan(0);
    // Deterministic for a seed.
    const again = trainMlp(train.x, train.y, val.x, val.y, 6, {
      hidden: 16,
      maxEpochs: 5,
      patience: 10,
      seed: 7,
    });
    const once = trainMlp(train.x, train.y, val.x, val.y, 6, {
      hidden: 16,
      maxEpochs: 5,
      patience: 10,
      seed: 7,
    });
    expect(Array.from(again.params.w2)).toEqual(Array.from(once.params.w2));
  });

  it('class weights are normalised to mean 1 and up-weight rare classes', () => {
    const w = classWeights([0, 0, 0, 0, 1], 2, 'balanced');
    expect((w[0] + w[1]) / 2).toBeCloseTo(1, 10);
    expect(w[1] / w[0]).toBeCloseTo(4, 10);
    expect(classWeights([0, 1], 2, 'none')).toEqual([1, 1]);
  });
});

describe('calibration', () => {
  it('temperature > 1 for over-confident logits and it lowers the NLL', () => {
    const rand = mulberry32(5);
    const logits: number[][] = [];
    const y: number[] = [];
    let hits = 0;
    // True class gets the top logit only 70% of the time, but logits are huge (over-confident).
    for (let i = 0; i < 500; i++) {
      const c = Math.floor(rand() * 3);
      const top = rand() < 0.7 ? c : (c + 1) % 3;
      if (top === c) hits++;
      logits.push([0, 1, 2].map((k) => (k === top ? 10 : 0)));
      y.push(c);
    }
    const t = fitTemperature(logits, y);
    expect(t).toBeGreaterThan(2);
    expect(nllAtTemperature(logits, y, t)).toBeLessThan(nllAtTemperature(logits, y, 1));
    // MLE for this construction: p(top) = q (hit rate) ⇒ e^{10/T} = 2q/(1−q).
    const q = hits / 500;
    expect(t).toBeCloseTo(10 / Math.log((2 * q) / (1 - q)), 2);
  });

  it('threshold is the highest one that reaches the sensitivity target', () => {
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
    const labels = [1, 1, 0, 1, 1, 0, 0, 0, 1, 0];
    const op = chooseThreshold(scores, labels, 0.75);
    // 5 positives: 4/5 = 0.8 ≥ 0.75 first reached at 0.5 (positives 0.9, 0.8, 0.6, 0.5).
    expect(op.threshold).toBe(0.5);
    expect(op.sensitivity).toBe(0.8);
    expect(op.specificity).toBe(0.8);
    expect(chooseThreshold(scores, labels, 1).threshold).toBe(0.1);
    expect(chooseThreshold(scores, labels, 0.4).threshold).toBe(0.8);
  });
});

describe('fusion head (synthetic feature groups)', () => {
  const makeSet = (n: number, seed: number): { features: CellFeatures[]; y: number[] } => {
    const a = clusters(n, 20, 6, seed, 2.5);
    const rand = mulberry32(seed + 100);
    // Second group: informative only about abnormal-vs-NILM, plus noise dims.
    const features = a.x.map((x, i) => ({
      mobilenet: x,
      lbp: Float32Array.from(
        { length: 8 },
        (_, j) => (j === 0 ? (a.y[i] === 0 ? 0 : 3) : 0) + gaussian(rand),
      ),
    }));
    return { features, y: a.y };
  };

  it('trains PCA→MLP→temperature→threshold end to end and round-trips through the file format', () => {
    const train = makeSet(50, 11);
    const val = makeSet(25, 12);
    const test = makeSet(25, 13);
    const classes = ['NILM', 'ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC'];
    const res = trainFusion(train, val, {
      groups: ['mobilenet', 'lbp'],
      classes,
      mlp: { hidden: 32, maxEpochs: 80, patience: 10, seed: 1 },
      meta: { note: 'synthetic' },
    });
    const m = res.model;
    expect(m.groups.map((g) => g.name)).toEqual(['mobilenet', 'lbp']);
    expect(m.groups[0].pca.k).toBeLessThan(20);
    expect(m.temperature).toBeGreaterThan(0);
    let correct = 0;
    let detected = 0;
    let abnormal = 0;
    test.features.forEach((f, i) => {
      const p = classifyFeatures(m, f);
      expect(p.probabilities.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      expect(p.abnormalProbability).toBeCloseTo(1 - p.probabilities[0], 6);
      if (classes.indexOf(p.label) === test.y[i]) correct++;
      if (test.y[i] !== 0) {
        abnormal++;
        if (p.abnormal) detected++;
      }
    });
    expect(correct / test.y.length).toBeGreaterThan(0.8);
    expect(detected / abnormal).toBeGreaterThan(0.9);

    const { json, bin } = serializeFusionModel(m);
    const back = parseFusionModel(JSON.parse(JSON.stringify(json)), bin);
    const f0 = test.features[0];
    expect(classifyFeatures(back, f0).probabilities).toEqual(classifyFeatures(m, f0).probabilities);
    expect(back.meta.note).toBe('synthetic');

    const half = serializeFusionModel(m, 'weights.bin', 'float16');
    expect(half.bin.byteLength).toBe(bin.byteLength / 2);
    const h = parseFusionModel(half.json, half.bin);
    const ph = classifyFeatures(h, f0).probabilities;
    classifyFeatures(m, f0).probabilities.forEach((v, i) =>
      expect(Math.abs(v - ph[i])).toBeLessThan(0.02),
    );

    expect(() => classifyFeatures(m, { mobilenet: f0.mobilenet })).toThrow(/"lbp" is missing/);
    expect(() => parseFusionModel({ ...json, format: 'x' as never }, bin)).toThrow(/format/);
    expect(() => parseFusionModel(json, bin.subarray(0, 16))).toThrow(/truncated/);
  });

  it("'group' scaling keeps one factor per group; macro-F1 early stopping trains too", () => {
    const train = makeSet(30, 21);
    const val = makeSet(15, 22);
    const res = trainFusion(train, val, {
      groups: ['mobilenet', 'lbp'],
      classes: ['NILM', 'ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC'],
      scaling: 'group',
      mlp: { hidden: 16, maxEpochs: 30, patience: 5, seed: 2, stopOn: 'macro_f1' },
    });
    const k0 = res.model.groups[0].pca.k;
    const std = Array.from(res.model.scaler.std);
    expect(new Set(std.slice(0, k0)).size).toBe(1);
    expect(new Set(std.slice(k0)).size).toBe(1);
    expect(res.bestEpoch).toBeGreaterThan(0);
  });

  it('float16 conversion is exact on representable values and rounds others closely', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24])
      expect(float16ToFloat32(float32ToFloat16(v))).toBe(v);
    expect(float16ToFloat32(float32ToFloat16(1e6))).toBe(Infinity);
    expect(Number.isNaN(float16ToFloat32(float32ToFloat16(NaN)))).toBe(true);
    const rand = mulberry32(9);
    for (let i = 0; i < 1000; i++) {
      const v = (rand() - 0.5) * 20;
      expect(Math.abs(float16ToFloat32(float32ToFloat16(v)) - v)).toBeLessThanOrEqual(
        Math.abs(v) * 2 ** -11 + 1e-7,
      );
    }
  });
});
