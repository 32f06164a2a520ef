import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assignWords,
  bofHistogram,
  loadVocabulary,
  parseVocabulary,
  VOCABULARY_PATH,
  type VocabularyFile,
} from '../src/core/features/bof';
import { cellSurf } from '../src/core/features/describe-cell';
import { fitKmeans } from '../src/core/features/kmeans';
import { DEFAULT_SURF_OPTIONS } from '../src/core/features/surf/index';
import { cropCell } from '../src/core/image/crop-cell';
import { toGrey } from '../src/core/image/ops';
import { mulberry32 } from '../src/core/util/random';
import { cricFieldPath, readCricCells } from '../src/data/datasets';
import { hasData, NO_DATA_MESSAGE, REPO_ROOT } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf } from '../src/data/splits';

function unit(k: number, dim = 128): number[] {
  const v = new Array<number>(dim).fill(0);
  v[k] = 1;
  return v;
}

function file(centroids: number[][]): VocabularyFile {
  return {
    format: 'paplens-bof-vocabulary',
    version: 1,
    k: centroids.length,
    dim: 128,
    extraction: { upscale: 1, surf: { ...DEFAULT_SURF_OPTIONS } },
    centroids,
  };
}

describe('bag of features', () => {
  const vocab = parseVocabulary(file([unit(0), unit(1), unit(2)]));

  it('assigns each descriptor to its nearest word and L1-normalises the counts', () => {
    const d = new Float32Array(4 * 128);
    d.set(unit(1), 0);
    d.set(unit(2), 128);
    const near0 = unit(0);
    near0[1] = 0.4; // closer to word 0 than to word 1
    d.set(near0, 256);
    d.set(unit(2), 384);
    expect(Array.from(assignWords(d, vocab))).toEqual([1, 2, 0, 2]);
    expect(Array.from(bofHistogram(d, vocab))).toEqual([0.25, 0.25, 0.5]);
  });

  it('gives an all-zero histogram when there are no descriptors', () => {
    const h = bofHistogram(new Float32Array(0), vocab);
    expect(Array.from(h)).toEqual([0, 0, 0]);
  });

  it('rejects malformed vocabularies with a clear message', () => {
    expect(() => parseVocabulary({ ...file([unit(0)]), k: 2 })).toThrow(/centroid count/);
    expect(() => parseVocabulary(file([[1, 2, 3]]))).toThrow(/centroid 0 has wrong length/);
    const nan = unit(0);
    nan[5] = Number.NaN;
    expect(() => parseVocabulary(file([nan]))).toThrow(/non-finite/);
    expect(() => parseVocabulary({ format: 'x' } as unknown as VocabularyFile)).toThrow(
      /unknown format/,
    );
    expect(() => bofHistogram(new Float32Array(5), vocab)).toThrow(/multiple of 128/);
  });
});

describe('k-means (ml-kmeans, k-means++ seeded)', () => {
  it('recovers well separated clusters and is reproducible for a seed', () => {
    const r = mulberry32(9);
    const dim = 4;
    const centres = [
      [0, 0, 0, 0],
      [5, 5, 0, 0],
      [0, 5, 5, 5],
    ];
    const pts = new Float32Array(300 * dim);
    for (let i = 0; i < 300; i++) {
      const c = centres[i % 3];
      for (let j = 0; j < dim; j++) pts[i * dim + j] = c[j] + (r() - 0.5) * 0.5;
    }
    const a = fitKmeans(pts, dim, 3, { seed: 1 });
    const b = fitKmeans(pts, dim, 3, { seed: 1 });
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    for (const c of centres) {
      const best = Math.min(
        ...[0, 1, 2].map((k) => Math.hypot(...c.map((v, j) => v - a.centroids[k * dim + j]))),
      );
      expect(best).toBeLessThan(0.2);
    }
    expect(() => fitKmeans(pts.subarray(0, 8), dim, 3, { seed: 1 })).toThrow(/at least k=3 points/);
  });
});

const shipped = join(REPO_ROOT, 'public', 'models', VOCABULARY_PATH);

describe.skipIf(!existsSync(shipped))('shipped vocabulary (public/models/bof)', () => {
  it('has K = 150 words of 128-D learnt on the CRIC training split', async () => {
    const raw = JSON.parse(readFileSync(shipped, 'utf8')) as VocabularyFile;
    const v = await loadVocabulary({
      readJson: async <T>(p: string) =>
        JSON.parse(readFileSync(join(REPO_ROOT, 'public', 'models', p), 'utf8')) as T,
    });
    expect(v.k).toBe(150);
    expect(v.dim).toBe(128);
    expect(String(raw.training?.data)).toMatch(/train part of data\/splits\/cric\.json/);
    expect(Number(raw.training?.seed)).toBeGreaterThan(0);
    expect(Number(raw.training?.descriptorsUsed)).toBeGreaterThan(10_000);
  });
});

describe.skipIf(!hasData() || !existsSync(shipped))('BoF on real CRIC crops', () => {
  if (!hasData()) console.log(NO_DATA_MESSAGE);
  it('spreads validation-split crops over many words', async () => {
    const v = parseVocabulary(JSON.parse(readFileSync(shipped, 'utf8')) as VocabularyFile);
    const val = unitsOf(loadSplit('cric'), 'val');
    const cells = readCricCells().filter((c) => val.has(c.field));
    const field = cells[0].field;
    const img = await readImage(cricFieldPath(field));
    const used = new Set<number>();
    let crops = 0;
    for (const c of cells.filter((x) => x.field === field).slice(0, 20)) {
      const h = bofHistogram(
        cellSurf(toGrey(cropCell(img, c.x, c.y)), v.extraction).descriptors,
        v,
      );
      expect(h.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      h.forEach((x, k) => x > 0 && used.add(k));
      crops++;
    }
    expect(crops).toBeGreaterThan(0);
    // Words are not degenerate: unseen crops use a good share of the vocabulary.
    expect(used.size).toBeGreaterThan(40);
  });
});
