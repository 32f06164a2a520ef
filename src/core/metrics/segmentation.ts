/** Pixel confusion counts of a binary prediction against a binary truth (nonzero = nucleus). */
export interface PixelCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface PixelScores {
  precision: number;
  recall: number;
  /** Zijdenbos similarity index = Dice = 2TP / (2TP + FP + FN). */
  zsi: number;
  iou: number;
}

export function pixelCounts(pred: ArrayLike<number>, truth: ArrayLike<number>): PixelCounts {
  if (pred.length !== truth.length)
    throw new Error(`size mismatch: prediction ${pred.length} vs truth ${truth.length} pixels`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] !== 0;
    const t = truth[i] !== 0;
    if (p && t) tp++;
    else if (p) fp++;
    else if (t) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

export function addCounts(a: PixelCounts, b: PixelCounts): PixelCounts {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, tn: a.tn + b.tn };
}

/** Empty-vs-empty counts as perfect agreement (1), so images without nuclei do not produce NaN. */
function ratio(num: number, den: number): number {
  return den === 0 ? 1 : num / den;
}

export function pixelScores(c: PixelCounts): PixelScores {
  return {
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    zsi: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
    iou: ratio(c.tp, c.tp + c.fp + c.fn),
  };
}

/** Mean of per-image scores. */
export function meanScores(scores: PixelScores[]): PixelScores {
  const n = scores.length || 1;
  const sum = (k: keyof PixelScores): number => scores.reduce((a, s) => a + s[k], 0) / n;
  return { precision: sum('precision'), recall: sum('recall'), zsi: sum('zsi'), iou: sum('iou') };
}

/** 4-connected components of a 0/non-0 mask; labels 1..count, 0 = background. */
export function labelComponents(
  mask: ArrayLike<number>,
  width: number,
  height: number,
): { labels: Int32Array; count: number } {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < labels.length; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    count++;
    let sp = 0;
    stack[sp++] = start;
    labels[start] = count;
    while (sp > 0) {
      const i = stack[--sp];
      const x = i % width;
      const y = (i - x) / width;
      const push = (j: number): void => {
        if (mask[j] !== 0 && labels[j] === 0) {
          labels[j] = count;
          stack[sp++] = j;
        }
      };
      if (x > 0) push(i - 1);
      if (x < width - 1) push(i + 1);
      if (y > 0) push(i - width);
      if (y < height - 1) push(i + width);
    }
  }
  return { labels, count };
}

export interface ObjectScores {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * One-to-one matching of predicted and true objects at IoU ≥ threshold. With threshold ≥ 0.5 a
 * match is necessarily unique (two objects cannot both overlap another by more than half), so
 * greedy matching on the overlap table is exact.
 */
export function matchObjects(
  predLabels: Int32Array,
  predCount: number,
  truthLabels: Int32Array,
  truthCount: number,
  iouThreshold = 0.5,
): ObjectScores {
  if (predLabels.length !== truthLabels.length)
    throw new Error('size mismatch between predicted and true label images');
  const predArea = new Float64Array(predCount + 1);
  const truthArea = new Float64Array(truthCount + 1);
  const overlap = new Map<number, number>();
  for (let i = 0; i < predLabels.length; i++) {
    const p = predLabels[i];
    const t = truthLabels[i];
    predArea[p]++;
    truthArea[t]++;
    if (p && t) {
      const key = p * (truthCount + 1) + t;
      overlap.set(key, (overlap.get(key) ?? 0) + 1);
    }
  }
  const pairs: { p: number; t: number; iou: number }[] = [];
  for (const [key, inter] of overlap) {
    const p = Math.floor(key / (truthCount + 1));
    const t = key % (truthCount + 1);
    const iou = inter / (predArea[p] + truthArea[t] - inter);
    if (iou >= iouThreshold) pairs.push({ p, t, iou });
  }
  pairs.sort((a, b) => b.iou - a.iou);
  const usedP = new Set<number>();
  const usedT = new Set<number>();
  let tp = 0;
  for (const { p, t } of pairs) {
    if (usedP.has(p) || usedT.has(t)) continue;
    usedP.add(p);
    usedT.add(t);
    tp++;
  }
  const fp = predCount - tp;
  const fn = truthCount - tp;
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
}

/** Share of labelled points (e.g. CRIC nucleus centres) that fall inside some predicted nucleus. */
export function pointRecall(
  predLabels: ArrayLike<number>,
  width: number,
  points: readonly { x: number; y: number }[],
): { hit: number; total: number; recall: number } {
  const height = predLabels.length / width;
  let hit = 0;
  for (const pt of points) {
    const x = Math.round(pt.x);
    const y = Math.round(pt.y);
    if (x >= 0 && y >= 0 && x < width && y < height && predLabels[y * width + x] !== 0) hit++;
  }
  return { hit, total: points.length, recall: ratio(hit, points.length) };
}

/**
 * Pixels of predicted objects that touch no annotated nucleus. Some sets annotate one nucleus per
 * image (Herlev-SD: the central cell's), so a neighbour's nucleus outlined correctly counts as
 * false positive; this separates that part of the false positives from boundary errors on the
 * annotated nuclei. A diagnostic beside the pixel scores, never a replacement for them.
 */
export function pixelsInUntouchedObjects(
  predLabels: Int32Array,
  predCount: number,
  truth: ArrayLike<number>,
): { pixels: number; objects: number } {
  if (predLabels.length !== truth.length)
    throw new Error('size mismatch between predicted labels and truth mask');
  const area = new Float64Array(predCount + 1);
  const touches = new Uint8Array(predCount + 1);
  for (let i = 0; i < predLabels.length; i++) {
    const p = predLabels[i];
    if (!p) continue;
    area[p]++;
    if (truth[i]) touches[p] = 1;
  }
  let pixels = 0;
  let objects = 0;
  for (let p = 1; p <= predCount; p++)
    if (area[p] > 0 && !touches[p]) {
      pixels += area[p];
      objects++;
    }
  return { pixels, objects };
}
