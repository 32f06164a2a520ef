export interface ClassScores {
  precision: number;
  recall: number;
  specificity: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  macro_f1: number;
  weighted_f1: number;
  macro_precision: number;
  macro_recall: number;
  per_class: Record<string, ClassScores>;
  /** confusion[true][pred] */
  confusion: number[][];
  classes: string[];
}

/** 0/0 → 0 here: a class never predicted has no precision to claim. */
function safeDiv(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

export function confusionMatrix(
  yTrue: readonly number[],
  yPred: readonly number[],
  k: number,
): number[][] {
  if (yTrue.length !== yPred.length) throw new Error('yTrue and yPred differ in length');
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] < 0 || yTrue[i] >= k || yPred[i] < 0 || yPred[i] >= k)
      throw new Error(`class index out of range at ${i}`);
    m[yTrue[i]][yPred[i]]++;
  }
  return m;
}

export function classificationReport(
  yTrue: readonly number[],
  yPred: readonly number[],
  classNames: readonly string[],
): ClassificationReport {
  const k = classNames.length;
  const confusion = confusionMatrix(yTrue, yPred, k);
  const n = yTrue.length;
  let correct = 0;
  for (let c = 0; c < k; c++) correct += confusion[c][c];
  const per_class: Record<string, ClassScores> = {};
  let macroF1 = 0;
  let macroP = 0;
  let macroR = 0;
  let weighted = 0;
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    let fn = 0;
    let fp = 0;
    for (let j = 0; j < k; j++) {
      if (j !== c) {
        fn += confusion[c][j];
        fp += confusion[j][c];
      }
    }
    const tn = n - tp - fn - fp;
    const precision = safeDiv(tp, tp + fp);
    const recall = safeDiv(tp, tp + fn);
    const f1 = safeDiv(2 * precision * recall, precision + recall);
    const support = tp + fn;
    per_class[classNames[c]] = {
      precision,
      recall,
      specificity: safeDiv(tn, tn + fp),
      f1,
      support,
    };
    macroF1 += f1 / k;
    macroP += precision / k;
    macroR += recall / k;
    weighted += (f1 * support) / (n || 1);
  }
  return {
    accuracy: safeDiv(correct, n),
    macro_f1: macroF1,
    weighted_f1: weighted,
    macro_precision: macroP,
    macro_recall: macroR,
    per_class,
    confusion,
    classes: [...classNames],
  };
}

/** ROC AUC by the rank-sum (Mann–Whitney) formula, ties given half credit. */
export function rocAuc(labels01: readonly number[], scores: readonly number[]): number {
  const idx = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) ranks[idx[t][1]] = r;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < labels01.length; i++) {
    if (labels01[i]) {
      pos++;
      rankSum += ranks[i];
    }
  }
  const neg = labels01.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface BinaryReport {
  sensitivity: number;
  specificity: number;
  auc: number;
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Abnormal (1) vs NILM (0) at `threshold` on the abnormal score (score ≥ threshold → abnormal). */
export function binaryReport(
  labels01: readonly number[],
  scores: readonly number[],
  threshold: number,
): BinaryReport {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < labels01.length; i++) {
    const p = scores[i] >= threshold;
    if (labels01[i] && p) tp++;
    else if (labels01[i]) fn++;
    else if (p) fp++;
    else tn++;
  }
  return {
    sensitivity: safeDiv(tp, tp + fn),
    specificity: safeDiv(tn, tn + fp),
    auc: rocAuc(labels01, scores),
    threshold,
    tp,
    fp,
    fn,
    tn,
  };
}

/** Expected calibration error of the top-class confidence, equal-width bins. */
export function expectedCalibrationError(
  probs: readonly (readonly number[])[],
  yTrue: readonly number[],
  bins = 15,
): number {
  const conf = new Float64Array(bins);
  const acc = new Float64Array(bins);
  const cnt = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    let best = 0;
    for (let c = 1; c < probs[i].length; c++) if (probs[i][c] > probs[i][best]) best = c;
    const p = probs[i][best];
    const b = Math.min(bins - 1, Math.floor(p * bins));
    conf[b] += p;
    acc[b] += best === yTrue[i] ? 1 : 0;
    cnt[b]++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++)
    if (cnt[b]) ece += (cnt[b] / probs.length) * Math.abs(acc[b] / cnt[b] - conf[b] / cnt[b]);
  return ece;
}
