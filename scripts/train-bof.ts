/**
 * Learn the Bag-of-Features visual vocabulary (K SURF words) on the CRIC *training* split only
 * and write public/models/bof/vocabulary.json.
 *
 *   npx tsx scripts/train-bof.ts [--k 150] [--seed 20261126] [--max-descriptors 50000]
 *        [--upscale 1] [--threshold 0.0002] [--max-iterations 100] [--out <path>]
 *
 * Crops come from the shipped cropCell on readImage'd fields, descriptors from the shipped
 * cellSurf (the same code the app and CLI run), so training and serving cannot drift apart.
 */
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { cropCell } from '../src/core/image/crop-cell';
import { toGrey } from '../src/core/image/ops';
import { cellSurf } from '../src/core/features/describe-cell';
import { fitKmeans } from '../src/core/features/kmeans';
import type { BofExtraction, VocabularyFile } from '../src/core/features/bof';
import { DEFAULT_SURF_OPTIONS, SURF_DESCRIPTOR_SIZE } from '../src/core/features/surf/index';
import { mulberry32, shuffle } from '../src/core/util/random';
import { cricFieldPath, readCricCells } from '../src/data/datasets';
import { hasData, NO_DATA_MESSAGE, REPO_ROOT } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, splitPath, unitsOf } from '../src/data/splits';

const { values } = parseArgs({
  options: {
    k: { type: 'string', default: '150' },
    seed: { type: 'string', default: '20261126' },
    'max-descriptors': { type: 'string', default: '50000' },
    upscale: { type: 'string', default: '1' },
    threshold: { type: 'string', default: '0.0002' },
    'max-iterations': { type: 'string', default: '100' },
    out: { type: 'string', default: join(REPO_ROOT, 'public', 'models', 'bof', 'vocabulary.json') },
    /** Only print keypoints/crop and ms/crop over an upscale × threshold grid (6 train fields). */
    survey: { type: 'boolean', default: false },
  },
});

if (!hasData()) {
  console.error(NO_DATA_MESSAGE);
  process.exit(1);
}

const k = Number(values.k);
const seed = Number(values.seed);
const maxDescriptors = Number(values['max-descriptors']);
const extraction: BofExtraction = {
  upscale: Number(values.upscale),
  surf: { ...DEFAULT_SURF_OPTIONS, threshold: Number(values.threshold) },
};

const t0 = Date.now();
const split = loadSplit('cric');
const train = unitsOf(split, 'train');
const cells = readCricCells().filter((c) => train.has(c.field));
const fields = [...new Set(cells.map((c) => c.field))].sort();
console.log(`CRIC train split: ${fields.length} fields, ${cells.length} cells`);

if (values.survey) {
  const pick = shuffle([...fields], mulberry32(7)).slice(0, 6);
  const greys = [];
  for (const field of pick) {
    const img = await readImage(cricFieldPath(field));
    for (const c of cells.filter((x) => x.field === field))
      greys.push(toGrey(cropCell(img, c.x, c.y)));
  }
  console.log(`survey: ${greys.length} crops from ${pick.length} train fields`);
  console.log('upscale threshold median p10 min max zero ms/crop');
  for (const upscale of [1, 1.5, 2]) {
    for (const threshold of [0.0004, 0.0002, 0.0001]) {
      const ex: BofExtraction = { upscale, surf: { ...DEFAULT_SURF_OPTIONS, threshold } };
      const t = performance.now();
      const n = greys.map((g) => cellSurf(g, ex).keypoints.length).sort((a, b) => a - b);
      const ms = (performance.now() - t) / greys.length;
      const at = (p: number): number => n[Math.floor(p * (n.length - 1))];
      console.log(
        [
          upscale,
          threshold,
          at(0.5),
          at(0.1),
          n[0],
          n[n.length - 1],
          n.filter((x) => x === 0).length,
          ms.toFixed(1),
        ].join(' '),
      );
    }
  }
  process.exit(0);
}

const chunks: Float32Array[] = [];
const perCrop: number[] = [];
for (const [fi, field] of fields.entries()) {
  const img = await readImage(cricFieldPath(field));
  for (const c of cells.filter((x) => x.field === field)) {
    const f = cellSurf(toGrey(cropCell(img, c.x, c.y)), extraction);
    perCrop.push(f.keypoints.length);
    if (f.descriptors.length) chunks.push(f.descriptors);
  }
  if ((fi + 1) % 20 === 0) console.log(`  ${fi + 1}/${fields.length} fields`);
}
const total = perCrop.reduce((a, b) => a + b, 0);
const sorted = [...perCrop].sort((a, b) => a - b);
const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const keypointStats = {
  crops: perCrop.length,
  mean: +(total / perCrop.length).toFixed(2),
  p10: q(0.1),
  median: q(0.5),
  p90: q(0.9),
  zero: perCrop.filter((n) => n === 0).length,
};
console.log(`descriptors: ${total}; keypoints/crop`, keypointStats);

// Seeded subsample keeps k-means short on a 2-core machine.
const all = new Float32Array(total * SURF_DESCRIPTOR_SIZE);
let o = 0;
for (const c of chunks) {
  all.set(c, o);
  o += c.length;
}
const order = shuffle(
  Array.from({ length: total }, (_, i) => i),
  mulberry32(seed),
).slice(0, Math.min(total, maxDescriptors));
order.sort((a, b) => a - b);
const sample = new Float32Array(order.length * SURF_DESCRIPTOR_SIZE);
order.forEach((src, i) =>
  sample.set(all.subarray(src * SURF_DESCRIPTOR_SIZE, (src + 1) * SURF_DESCRIPTOR_SIZE), i * 128),
);

const tk = Date.now();
const fit = fitKmeans(sample, SURF_DESCRIPTOR_SIZE, k, {
  seed,
  maxIterations: Number(values['max-iterations']),
});
const kmSeconds = (Date.now() - tk) / 1000;
console.log(
  `k-means: K=${k}, ${order.length} descriptors, ${fit.iterations} iterations, converged=${fit.converged}, inertia=${fit.inertia.toFixed(1)}, ${kmSeconds.toFixed(0)} s`,
);

const kmVersion = (
  JSON.parse(
    readFileSync(join(REPO_ROOT, 'node_modules', 'ml-kmeans', 'package.json'), 'utf8'),
  ) as {
    version: string;
  }
).version;
const centroids: number[][] = [];
for (let i = 0; i < k; i++) {
  centroids.push(
    Array.from(fit.centroids.subarray(i * 128, (i + 1) * 128), (v) => Math.round(v * 1e6) / 1e6),
  );
}
const file: VocabularyFile = {
  format: 'paplens-bof-vocabulary',
  version: 1,
  k,
  dim: SURF_DESCRIPTOR_SIZE,
  extraction,
  training: {
    command: `npx tsx scripts/train-bof.ts ${process.argv.slice(2).join(' ')}`.trim(),
    data: 'CRIC cells.csv, train part of data/splits/cric.json (by field)',
    split: splitPath('cric').slice(REPO_ROOT.length + 1),
    splitSeed: split.seed,
    fields: fields.length,
    cells: cells.length,
    crop: 'cropCell(field, x, y, 96) at the 1280-px field grid',
    keypointsPerCrop: keypointStats,
    descriptorsExtracted: total,
    descriptorsUsed: order.length,
    seed,
    kmeans: {
      library: `ml-kmeans ${kmVersion}`,
      initialization: 'kmeans++',
      iterations: fit.iterations,
      converged: fit.converged,
      inertia: +fit.inertia.toFixed(3),
      seconds: kmSeconds,
    },
    totalSeconds: (Date.now() - t0) / 1000,
  },
  centroids,
};
mkdirSync(dirname(values.out!), { recursive: true });
writeFileSync(values.out!, JSON.stringify(file) + '\n');
console.log(`wrote ${values.out}`);
