import { SURF_DESCRIPTOR_SIZE, type SurfOptions } from './surf/index';

/**
 * Bag-of-Features (Csurka et al. 2004) over SURF descriptors: each descriptor votes for its
 * nearest visual word (hard assignment); the histogram is L1-normalised. No descriptors → a
 * defined all-zero histogram (the classifier sees "no keypoints", not NaN).
 */
export interface Vocabulary {
  k: number;
  dim: number;
  /** k × dim centroids, row-major. */
  centroids: Float32Array;
  /** How descriptors must be extracted to match the words (no train/serve skew). */
  extraction: BofExtraction;
}

/** SURF settings the vocabulary was learnt with; describeCell applies the same. */
export interface BofExtraction {
  /** The cell crop is resized by this factor before SURF (small nuclei need it). */
  upscale: number;
  surf: SurfOptions;
}

/** On-disk form (public/models/bof/vocabulary.json). */
export interface VocabularyFile {
  format: 'paplens-bof-vocabulary';
  version: 1;
  k: number;
  dim: number;
  extraction: BofExtraction;
  centroids: number[][];
  /** Provenance: seed, data split, descriptor counts, k-means run. Free-form for humans. */
  training?: Record<string, unknown>;
}

/** Minimal part of the project's ModelSource this module needs (keeps core free of loaders). */
export interface JsonSource {
  readJson<T>(path: string): Promise<T>;
}

export const VOCABULARY_PATH = 'bof/vocabulary.json';

/** Validate a parsed vocabulary file and pack its centroids. */
export function parseVocabulary(file: VocabularyFile): Vocabulary {
  const bad = (why: string): Error => new Error(`The BoF vocabulary file is invalid: ${why}.`);
  if (!file || file.format !== 'paplens-bof-vocabulary') throw bad('unknown format');
  if (file.version !== 1) throw bad(`unsupported version ${String(file.version)}`);
  if (file.dim !== SURF_DESCRIPTOR_SIZE) throw bad(`dim is ${file.dim}, expected 128`);
  if (!Array.isArray(file.centroids) || file.centroids.length !== file.k || file.k < 1) {
    throw bad('centroid count does not match k');
  }
  const centroids = new Float32Array(file.k * file.dim);
  file.centroids.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== file.dim) throw bad(`centroid ${i} has wrong length`);
    for (let j = 0; j < file.dim; j++) {
      if (!Number.isFinite(row[j])) throw bad(`centroid ${i} has a non-finite value`);
      centroids[i * file.dim + j] = row[j];
    }
  });
  if (!(file.extraction?.upscale > 0) || !file.extraction.surf) throw bad('missing extraction');
  return { k: file.k, dim: file.dim, centroids, extraction: file.extraction };
}

export async function loadVocabulary(source: JsonSource): Promise<Vocabulary> {
  return parseVocabulary(await source.readJson<VocabularyFile>(VOCABULARY_PATH));
}

/** Index of the nearest centroid (squared Euclidean; lowest index wins ties) for each row. */
export function assignWords(descriptors: Float32Array, vocab: Vocabulary): Int32Array {
  const { k, dim, centroids } = vocab;
  if (descriptors.length % dim !== 0) {
    throw new Error(`Descriptor buffer length ${descriptors.length} is not a multiple of ${dim}.`);
  }
  const n = descriptors.length / dim;
  // ‖d−c‖² = ‖d‖² − 2d·c + ‖c‖²; ‖d‖² is constant per row.
  const cNorm = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += centroids[c * dim + j] ** 2;
    cNorm[c] = s;
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const co = c * dim;
      // Four partial sums: shorter dependency chains, ~2× faster in V8.
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      let j = 0;
      for (; j + 3 < dim; j += 4) {
        d0 += descriptors[o + j] * centroids[co + j];
        d1 += descriptors[o + j + 1] * centroids[co + j + 1];
        d2 += descriptors[o + j + 2] * centroids[co + j + 2];
        d3 += descriptors[o + j + 3] * centroids[co + j + 3];
      }
      for (; j < dim; j++) d0 += descriptors[o + j] * centroids[co + j];
      const dot = d0 + d1 + d2 + d3;
      const d = cNorm[c] - 2 * dot;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** L1-normalised hard-assignment histogram (length k); all zeros when there are no descriptors. */
export function bofHistogram(descriptors: Float32Array, vocab: Vocabulary): Float32Array {
  const hist = new Float32Array(vocab.k);
  const words = assignWords(descriptors, vocab);
  if (words.length === 0) return hist;
  for (const w of words) hist[w]++;
  for (let c = 0; c < hist.length; c++) hist[c] /= words.length;
  return hist;
}
