import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** PCA projection fitted on the training split only; `transform` is plain TS so it runs anywhere. */
export interface PcaParams {
  /** Input dimension. */
  d: number;
  /** Kept components. */
  k: number;
  mean: Float32Array;
  /** k × d, row-major: row i = i-th principal axis (unit length). */
  components: Float32Array;
  /** Variance along each kept axis (training data). */
  eigenvalues: Float32Array;
  /** Fraction of total variance kept (0..1). */
  explained: number;
}

export interface PcaFitOptions {
  /** Keep the fewest leading axes whose eigenvalues sum to at least this fraction (paper: 0.95). */
  varianceKept?: number;
  /** Hard cap on kept axes (keeps model size bounded). */
  maxComponents?: number;
}

/** Fit PCA on rows (n × d) via the eigen-decomposition of the covariance matrix (paper's method). */
export function fitPca(rows: readonly Float32Array[], options: PcaFitOptions = {}): PcaParams {
  const varianceKept = options.varianceKept ?? 0.95;
  const n = rows.length;
  if (n < 2) throw new Error('PCA needs at least two samples');
  const d = rows[0].length;
  for (const r of rows) if (r.length !== d) throw new Error('PCA rows differ in length');
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  // Upper triangle of Xcᵀ Xc, accumulated row by row (cache-friendly, Float64 for accuracy).
  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (const r of rows) {
    for (let j = 0; j < d; j++) c[j] = r[j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ca = c[a];
      if (ca === 0) continue;
      const off = a * d;
      for (let b = a; b < d; b++) cov[off + b] += ca * c[b];
    }
  }
  const m = new Matrix(d, d);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b] / (n - 1);
      m.set(a, b, v);
      m.set(b, a, v);
    }
  }
  const eig = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const vectors = eig.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((i, j) => values[j] - values[i]);
  const total = values.reduce((s, v) => s + Math.max(v, 0), 0);
  let k = 0;
  let acc = 0;
  while (k < d && (total === 0 ? k < 1 : acc / total < varianceKept)) {
    acc += Math.max(values[order[k]], 0);
    k++;
  }
  if (options.maxComponents !== undefined) k = Math.min(k, options.maxComponents);
  k = Math.max(k, 1);
  const components = new Float32Array(k * d);
  const eigenvalues = new Float32Array(k);
  let kept = 0;
  for (let i = 0; i < k; i++) {
    const col = order[i];
    eigenvalues[i] = values[col];
    kept += Math.max(values[col], 0);
    // Fix the sign (largest-magnitude entry positive) so refits are reproducible.
    let big = 0;
    for (let j = 0; j < d; j++)
      if (Math.abs(vectors.get(j, col)) > Math.abs(big)) big = vectors.get(j, col);
    const s = big < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components[i * d + j] = s * vectors.get(j, col);
  }
  return {
    d,
    k,
    mean: Float32Array.from(mean),
    components,
    eigenvalues,
    explained: total > 0 ? kept / total : 1,
  };
}

/** Project one feature vector onto the kept axes. */
export function pcaTransform(p: PcaParams, x: Float32Array): Float32Array {
  if (x.length !== p.d) throw new Error(`PCA expects ${p.d} features, got ${x.length}`);
  const out = new Float32Array(p.k);
  const c = new Float32Array(p.d);
  for (let j = 0; j < p.d; j++) c[j] = x[j] - p.mean[j];
  for (let i = 0; i < p.k; i++) {
    let s = 0;
    const off = i * p.d;
    for (let j = 0; j < p.d; j++) s += p.components[off + j] * c[j];
    out[i] = s;
  }
  return out;
}
