import { kmeans } from 'ml-kmeans';

/** Result of learning a visual vocabulary. */
export interface KmeansFit {
  /** k × dim, row-major. */
  centroids: Float32Array;
  iterations: number;
  converged: boolean;
  /** Sum of squared distances of the points to their centroid. */
  inertia: number;
}

/**
 * k-means with seeded k-means++ initialisation (Arthur & Vassilvitskii 2007) via mljs ml-kmeans,
 * the maintained JS implementation. `points` is n × dim row-major.
 */
export function fitKmeans(
  points: Float32Array,
  dim: number,
  k: number,
  options: { seed: number; maxIterations?: number; tolerance?: number },
): KmeansFit {
  const n = points.length / dim;
  if (!Number.isInteger(n) || n < k) {
    throw new Error(`k-means needs at least k=${k} points of dimension ${dim}, got ${n}.`);
  }
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(points.subarray(i * dim, (i + 1) * dim)));
  const res = kmeans(rows, k, {
    initialization: 'kmeans++',
    seed: options.seed,
    maxIterations: options.maxIterations ?? 100,
    tolerance: options.tolerance ?? 1e-6,
  });
  const centroids = new Float32Array(k * dim);
  res.centroids.forEach((c, i) => centroids.set(c, i * dim));
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const c = res.clusters[i];
    for (let j = 0; j < dim; j++) inertia += (rows[i][j] - res.centroids[c][j]) ** 2;
  }
  return { centroids, iterations: res.iterations, converged: res.converged, inertia };
}
