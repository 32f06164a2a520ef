/**
 * Fit MIN_FALLBACK_CONTRAST and MIN_FALLBACK_CIRCULARITY (src/core/cell/primary-nucleus.ts) on
 * TRAIN images, and show what the no-nucleus rule (`fallbackIsNucleus`: blob Ø ≥
 * MIN_FALLBACK_DIAMETER of the long side, circularity and ring contrast ≥ their limits) does. Each
 * limit is half the 1st percentile of that measure over the primary nuclei the finder outlines in
 * Herlev train cells — what a real nucleus looks like, with a margin. Then, with those limits:
 *   - Herlev cells whose finder falls back (these must keep a nucleus);
 *   - 200–256 px crops of CRIC fields whose finder falls back (background, debris, cytoplasm);
 *   - plain frames (uniform, camera-like noise, a gradient).
 * Val is printed for the check (docs/results/no-nucleus/rule.md); test is not read:
 *   npx tsx scripts/fit-fallback-contrast.ts
 */
import { initNodeTf } from '../src/cli/tf-node';
import {
  blobContrast,
  darkBlob,
  findCellNuclei,
  MIN_FALLBACK_CIRCULARITY,
  MIN_FALLBACK_CONTRAST,
  MIN_FALLBACK_DIAMETER,
} from '../src/core/cell/primary-nucleus';
import type { RgbaImage } from '../src/core/image/types';
import { nucleusFraction } from '../src/core/cell/framing';
import { segAdapterOf } from '../src/core/pipeline/models';
import { loadSegModel } from '../src/core/segment';
import type { Part } from '../src/data/splits';
import { mulberry32 } from '../src/core/util/random';
import { nodeModelSource } from '../src/models/node-source';
import { modeFitImages } from './mode-fit-sets';

await initNodeTf();
const seg = segAdapterOf(await loadSegModel(nodeModelSource()));

interface Blob {
  /** Equivalent diameter ÷ long side. */
  size: number;
  circularity: number;
  contrast: number;
}

function fallbackBlob(image: RgbaImage): Blob {
  const b = darkBlob(image);
  return {
    size: nucleusFraction(b.nucleus, image),
    circularity: b.nucleus.morphometrics.circularity,
    contrast: blobContrast(image, b.labels),
  };
}

/** Plain frames with no cell: uniform, noisy (seeded), and a left-to-right gradient. */
function plainFrames(): { name: string; image: RgbaImage }[] {
  const rand = mulberry32(20261207);
  const frame = (name: string, f: (x: number) => number): { name: string; image: RgbaImage } => {
    const w = 224;
    const data = new Uint8ClampedArray(w * w * 4);
    for (let y = 0; y < w; y++)
      for (let x = 0; x < w; x++) {
        const v = f(x);
        data.set([v - 10, v, v + 5, 255], 4 * (y * w + x));
      }
    return { name, image: { width: w, height: w, data } };
  };
  // Sum of four uniforms: roughly normal with the given standard deviation.
  const noise = (sd: number) => (): number =>
    210 + ((rand() + rand() + rand() + rand() - 2) * sd) / 0.577;
  const frames = [frame('uniform', () => 200), frame('gradient', (x) => 170 + (60 * x) / 224)];
  for (const sd of [1, 2, 3, 5, 8])
    for (let k = 0; k < 5; k++) frames.push(frame(`noise sd ${sd} #${k + 1}`, noise(sd)));
  return frames;
}

interface PartFigures {
  /** Ring contrast and circularity of the primary nucleus, Herlev cells the finder segments. */
  contrast: number[];
  circularity: number[];
  /** Fallback blobs of Herlev cells and of CRIC crops whose finder falls back. */
  herlevFallback: Blob[];
  cricFallback: Blob[];
}

async function measure(part: Part): Promise<PartFigures> {
  const f: PartFigures = { contrast: [], circularity: [], herlevFallback: [], cricFallback: [] };
  for await (const { kind, image } of modeFitImages(part)) {
    const found = await findCellNuclei(image, seg);
    const herlev = kind === 'herlev cells';
    if (found.method === 'segmentation') {
      if (!herlev) continue;
      f.contrast.push(blobContrast(image, found.labels));
      f.circularity.push(found.nuclei[0].morphometrics.circularity);
    } else (herlev ? f.herlevFallback : f.cricFallback).push(fallbackBlob(image));
  }
  return f;
}

const q = (a: number[], p: number): number => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};
const fmt = (x: number): string => x.toFixed(3);
const train = await measure('train');
const minContrast = q(train.contrast, 0.01) / 2;
const minCircularity = q(train.circularity, 0.01) / 2;
for (const [name, a] of [
  ['ring contrast', train.contrast],
  ['circularity', train.circularity],
] as const)
  console.log(
    `train Herlev nuclei found by the finder (${a.length}), ${name}: min ${fmt(q(a, 0))}, p1 ${fmt(q(a, 0.01))}, median ${fmt(q(a, 0.5))}`,
  );
console.log(
  `→ limits = half the p1: contrast ${fmt(minContrast)} (shipped ${MIN_FALLBACK_CONTRAST}), circularity ${fmt(minCircularity)} (shipped ${MIN_FALLBACK_CIRCULARITY}); size Ø ≥ ${MIN_FALLBACK_DIAMETER} of the long side`,
);
/** Why a blob is not a nucleus under the fitted limits ('' = it is one). */
const why = (b: Blob): string =>
  b.size < MIN_FALLBACK_DIAMETER
    ? 'small'
    : !(b.circularity >= minCircularity)
      ? 'ragged'
      : b.contrast < minContrast
        ? 'flat'
        : '';
const tally = (bs: Blob[]): string => {
  const t: Record<string, number> = { small: 0, ragged: 0, flat: 0, nucleus: 0 };
  for (const b of bs) t[why(b) || 'nucleus']++;
  return JSON.stringify(t);
};
const report = (part: string, f: PartFigures): void =>
  console.log(
    `${part}: Herlev cells falling back ${f.herlevFallback.length} ${tally(f.herlevFallback)}; CRIC crops falling back ${f.cricFallback.length} ${tally(f.cricFallback)}`,
  );
report('train', train);
for (const { name, image } of plainFrames()) {
  const b = fallbackBlob(image);
  console.log(
    `${name}: size ${fmt(b.size)}, circularity ${fmt(b.circularity)}, contrast ${fmt(b.contrast)} → ${why(b) || 'a nucleus'}`,
  );
}
report('val', await measure('val'));
