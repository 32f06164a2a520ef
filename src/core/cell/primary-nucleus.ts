import { toGrey } from '../image/ops';
import type { RgbaImage } from '../image/types';
import { fillHoles, instanceStats } from '../segment/postprocess';
import type { SegAdapter, SegNucleus } from '../pipeline/models';
import { pointInPolygon } from '../util/geometry';
import { boxSmooth, ringContrast } from './blob-contrast';
import { nucleusFraction, VALIDATED_FRAMING } from './framing';

/**
 * Single-cell mode: find the nucleus of the cell the image is framed around, whatever the image's
 * pixel size. A single-cell image has no known magnification (Herlev nuclei span ~10–100 px at
 * 224 px), while the SE-UNet works at one scale (nuclei ~15–40 px). So the image is segmented at
 * several scales, each candidate near the centre is scored for being a plausible nucleus at that
 * scale, and the best one is the primary nucleus. If segmentation finds nothing plausible, a
 * classical fallback (darkest Otsu blob near the centre) yields one — when that blob could be a
 * nucleus (size, compactness, contrast); an image without one (a blank frame) has no nucleus.
 */

/**
 * One stage of the search over working-scale image sides (the image's longer side is resized to
 * each): its sides are segmented, and the search stops there when the best score so far reaches
 * `enough`.
 */
export interface CellSearchStage {
  sides: readonly number[];
  enough: number;
}

/**
 * The search used by default, cheapest sides first. Most Herlev cells are framed tightly (nucleus
 * ~30–60 % of the side), so 64 and 96 px (one 128² network input each, after the model's minimum
 * size padding) usually find a convincing nucleus; 128–256 px cost 1–4×, and superficial cells
 * with pyknotic nuclei (~5 % of the side) need 384 and 512 px (9× and 16×), tried only when
 * nothing convincing was found before. The thresholds were chosen on Herlev train+val against
 * FULL_CELL_SEARCH (docs/CELLS.md).
 */
export const CELL_SEARCH: readonly CellSearchStage[] = [
  { sides: [64, 96], enough: 0.6 },
  { sides: [128, 192, 256], enough: 0.35 },
  { sides: [384], enough: 0.2 },
  { sides: [512], enough: Infinity },
];

/** The former exhaustive search (all five sides, then the large ones): the reference. */
export const FULL_CELL_SEARCH: readonly CellSearchStage[] = [
  { sides: [64, 96, 128, 192, 256], enough: 0.35 },
  { sides: [384, 512], enough: Infinity },
];

/** Plausible nucleus diameter at the working scale (px): centre and log-spread of the prior. */
const DIAMETER_PRIOR = { centre: 26, logSd: 0.5 };
/** A candidate's centroid must lie within this fraction of the shorter side from the centre. */
const MAX_CENTRE_OFFSET = 0.3;

export interface CellNuclei {
  /** All nuclei of the chosen segmentation, in input pixels; `nuclei[primary]` is the cell's. */
  nuclei: SegNucleus[];
  /**
   * Their pixels at input size (0 = background, i + 1 = nuclei[i]): what the user sees outlined,
   * which the evaluation scores (src/core/pipeline/segment-as-chosen.ts).
   */
  labels: Int32Array;
  primary: number;
  /** Scale factor of the chosen segmentation (input → working scale); 1 for the fallback. */
  scale: number;
  /**
   * `segmentation`: the network's; `fallback`: the darkest central blob; `empty`: neither sees a
   * nucleus (no nuclei, all labels 0).
   */
  method: 'segmentation' | 'fallback' | 'empty';
  /** Plausibility score of the primary nucleus in 0..1 (shown as a caveat when low). */
  score: number;
}

interface Candidate {
  nuclei: SegNucleus[];
  labels: Int32Array;
  index: number;
  scale: number;
  score: number;
}

/** How plausible `n` is as the centred cell's nucleus when the image was segmented at `scale`. */
export function nucleusScore(n: SegNucleus, width: number, height: number, scale: number): number {
  const side = Math.min(width, height);
  const r = Math.hypot(n.centroid.x - width / 2, n.centroid.y - height / 2) / side;
  if (r > MAX_CENTRE_OFFSET) return 0;
  const d = Math.sqrt((4 * n.morphometrics.areaPx) / Math.PI) * scale;
  const z = Math.log(d / DIAMETER_PRIOR.centre) / DIAMETER_PRIOR.logSd;
  const size = Math.exp(-0.5 * z * z);
  const centrality = Math.exp(-0.5 * (r / 0.12) ** 2);
  const shape =
    0.5 + 0.5 * (Number.isFinite(n.morphometrics.circularity) ? n.morphometrics.circularity : 0);
  // A nucleus filling most of the image is the cell (or background), not its nucleus.
  const fill = n.morphometrics.areaPx / (width * height);
  const notWhole = fill > 0.5 ? 0 : fill > 0.3 ? 0.5 : 1;
  return size * centrality * shape * notWhole;
}

export async function findCellNuclei(
  image: RgbaImage,
  seg?: SegAdapter,
  /** A scale the user set (µm/px or factor): only that one is tried. */
  userScale?: number,
  /** Sides to try and when to stop (FULL_CELL_SEARCH: the exhaustive reference). */
  search: readonly CellSearchStage[] = CELL_SEARCH,
): Promise<CellNuclei> {
  const { width, height } = image;
  const longSide = Math.max(width, height);
  let best: Candidate | null = null;
  if (seg) {
    const tried = new Set<number>();
    const run = async (sides: readonly number[]): Promise<void> => {
      const scales: number[] = [];
      for (const target of sides) {
        const scale = target / longSide;
        const key = Math.round(scale * 1000);
        if (tried.has(key)) continue;
        tried.add(key);
        scales.push(scale);
      }
      // A stage's sides at once, each on its own tile helper where there are helpers (the app's
      // tile workers idle during a cell); judged below in the same order as one at a time.
      const found = await Promise.all(
        scales.map((sc, j) => seg.segment(image, 'cell', sc, undefined, j)),
      );
      scales.forEach((scale, k) => {
        const s = found[k];
        s.nuclei.forEach((n, i) => {
          const score = nucleusScore(n, width, height, scale);
          const held = best as Candidate | null;
          if (held && scale > held.scale && isFragmentOf(n, held.nuclei[held.index])) return;
          if (score > 0 && (!held || score > held.score))
            best = { nuclei: s.nuclei, labels: s.labels, index: i, scale, score };
        });
      });
    };
    if (userScale !== undefined) await run([userScale * longSide]);
    else
      for (const stage of search) {
        await run(stage.sides);
        if (best && (best as Candidate).score >= stage.enough) break;
      }
  }
  const chosen = best as Candidate | null;
  if (chosen && chosen.score >= MIN_SEGMENTATION_SCORE) {
    // Neighbours are kept as secondary nuclei; the primary goes first.
    const others = chosen.nuclei.filter((_, i) => i !== chosen.index);
    return {
      nuclei: [chosen.nuclei[chosen.index], ...others],
      labels: primaryFirst(chosen.labels, chosen.index),
      primary: 0,
      scale: chosen.scale,
      method: 'segmentation',
      score: chosen.score,
    };
  }
  const fb = darkBlob(image);
  if (!fallbackIsNucleus(image, fb))
    return {
      nuclei: [],
      labels: new Int32Array(width * height),
      primary: 0,
      scale: 1,
      method: 'empty',
      score: 0,
    };
  return {
    nuclei: [fb.nucleus],
    labels: fb.labels,
    primary: 0,
    scale: 1,
    method: 'fallback',
    score: 0,
  };
}

/** Instance labels renumbered as the nuclei are returned: `primary` first, the rest in order. */
function primaryFirst(labels: Int32Array, primary: number): Int32Array {
  const p = primary + 1;
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    out[i] = l === p ? 1 : l > 0 && l < p ? l + 1 : l;
  }
  return out;
}

/**
 * Darker than its container by at least this (grey 0–1) to count as a nucleus inside it.
 * Chosen on Herlev-SD train+val masks and Herlev train+val (docs/CELLS.md).
 */
export const FRAGMENT_DARKER_BY = 0.1;

/**
 * Whether `n`, found at a larger side, is a piece of the nucleus `held` already found at a
 * smaller one: its centre lies inside it, it is less than half its area, and it is not clearly
 * darker. The stage-5 network (trained over ×0.4–2.5) outlines chromatin pieces when a large
 * nucleus is magnified far beyond that range; a dark pyknotic nucleus inside a pale blob (its
 * whole cell, outlined at a small side) is still taken.
 */
export function isFragmentOf(n: SegNucleus, held: SegNucleus): boolean {
  return (
    n.morphometrics.areaPx < 0.5 * held.morphometrics.areaPx &&
    n.morphometrics.meanIntensity > held.morphometrics.meanIntensity - FRAGMENT_DARKER_BY &&
    pointInPolygon(n.centroid.x, n.centroid.y, held.contour)
  );
}

/**
 * A fallback blob darker than the ring around it by less than this (grey 0–1, `blobContrast`) is
 * not a nucleus: the darkest patch of a flat or noisy empty frame. Half the 1st percentile (0.012)
 * of the contrast of the nuclei the finder outlines in Herlev train cells — some real nuclei
 * barely stand out from a dark cytoplasm (`npx tsx scripts/fit-fallback-contrast.ts`;
 * docs/CELLS.md, *Images with no nucleus*).
 */
export const MIN_FALLBACK_CONTRAST = 0.006;

/** Box radius (px) of the smoothing before the contrast is measured (`boxSmooth`). */
export const CONTRAST_SMOOTHING_PX = 2;

/** How much darker label 1 of `labels` is than the ring around it, on the 5×5-smoothed grey. */
export function blobContrast(image: RgbaImage, labels: Int32Array): number {
  const { width, height } = image;
  const grey = boxSmooth(toGrey(image).data, width, height, CONTRAST_SMOOTHING_PX);
  return ringContrast(grey, labels, 1, width, height);
}

/**
 * A fallback blob whose equivalent diameter is under this fraction of the image's long side is a
 * speck (debris, a bacterium), not a nucleus: half the smallest nucleus of the Herlev framing
 * the single-cell classifier was validated on.
 */
export const MIN_FALLBACK_DIAMETER = VALIDATED_FRAMING.nucleusFraction[0] / 2;

/**
 * A fallback blob less compact than this (circularity 4πA/P²) is not a nucleus: the ragged
 * cluster of dark pixels that thresholding finds in camera noise on an empty background. Half the
 * 1st percentile (0.455) of the circularity of the nuclei the finder outlines in Herlev train
 * cells (`npx tsx scripts/fit-fallback-contrast.ts`).
 */
export const MIN_FALLBACK_CIRCULARITY = 0.227;

/**
 * Whether the fallback's blob could be a cell's nucleus: large enough, compact, and darker than
 * the pixels around it.
 */
export function fallbackIsNucleus(
  image: RgbaImage,
  blob: { nucleus: SegNucleus; labels: Int32Array },
): boolean {
  if (
    nucleusFraction(blob.nucleus, image) < MIN_FALLBACK_DIAMETER ||
    !(blob.nucleus.morphometrics.circularity >= MIN_FALLBACK_CIRCULARITY)
  )
    return false;
  return blobContrast(image, blob.labels) >= MIN_FALLBACK_CONTRAST;
}

/** Below this plausibility the segmentation's best candidate is not trusted (fallback instead). */
export const MIN_SEGMENTATION_SCORE = 0.02;

/**
 * Classical fallback: Otsu threshold of the grey levels in the central half of the image, the
 * dark (nucleus-like) connected component nearest the centre, holes filled. When even that is
 * empty, a small disc at the darkest smoothed point near the centre. Always returns a nucleus.
 */
export function darkBlobNucleus(image: RgbaImage): SegNucleus {
  return darkBlob(image).nucleus;
}

/** `darkBlobNucleus` and its pixels (label 1). */
export function darkBlob(image: RgbaImage): { nucleus: SegNucleus; labels: Int32Array } {
  const { width: w, height: h } = image;
  const grey = toGrey(image).data;
  const x0 = Math.floor(w / 4);
  const x1 = Math.max(x0 + 1, Math.ceil((3 * w) / 4));
  const y0 = Math.floor(h / 4);
  const y1 = Math.max(y0 + 1, Math.ceil((3 * h) / 4));
  const hist = new Float64Array(256);
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) hist[Math.min(255, Math.round(grey[y * w + x] * 255))]++;
  const t = otsu(hist);
  const mask = new Uint8Array(w * h);
  // Compared in the histogram's bins: a pixel of the threshold's own bin is dark even when its
  // grey value was rounded down into it.
  for (let i = 0; i < mask.length; i++)
    mask[i] = Math.min(255, Math.round(grey[i] * 255)) <= t ? 1 : 0;
  // Keep the dark component nearest the centre (within the central half).
  const labels = new Int32Array(w * h);
  let bestLabel = 0;
  let bestD = Infinity;
  let next = 0;
  const stack: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i] || labels[i]) continue;
    next++;
    labels[i] = next;
    stack.push(i);
    let n = 0;
    let sx = 0;
    let sy = 0;
    while (stack.length) {
      const p = stack.pop()!;
      const px = p % w;
      const py = (p - px) / w;
      n++;
      sx += px;
      sy += py;
      for (const [dx, dy] of NEIGHBOURS) {
        const qx = px + dx;
        const qy = py + dy;
        if (qx < 0 || qy < 0 || qx >= w || qy >= h) continue;
        const q = qy * w + qx;
        if (mask[q] && !labels[q]) {
          labels[q] = next;
          stack.push(q);
        }
      }
    }
    const cx = sx / n;
    const cy = sy / n;
    const inCentre = cx >= x0 && cx < x1 && cy >= y0 && cy < y1;
    const d = Math.hypot(cx - w / 2, cy - h / 2) - Math.sqrt(n / Math.PI);
    if (inCentre && n >= 4 && n < 0.3 * w * h && d < bestD) {
      bestD = d;
      bestLabel = next;
    }
  }
  const out = new Int32Array(w * h);
  if (bestLabel) {
    const m = new Uint8Array(w * h);
    for (let i = 0; i < m.length; i++) m[i] = labels[i] === bestLabel ? 1 : 0;
    fillHoles(m, w, h);
    for (let i = 0; i < m.length; i++) out[i] = m[i];
  } else {
    // Disc of radius side/12 at the darkest point of a box-smoothed centre region.
    const r = Math.max(2, Math.round(Math.min(w, h) / 12));
    let bx = Math.floor(w / 2);
    let by = Math.floor(h / 2);
    let bv = Infinity;
    const step = Math.max(1, Math.floor(r / 2));
    for (let y = y0; y < y1; y += step)
      for (let x = x0; x < x1; x += step) {
        let s = 0;
        let c = 0;
        for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy += step)
          for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx += step) {
            s += grey[yy * w + xx];
            c++;
          }
        if (s / c < bv) {
          bv = s / c;
          bx = x;
          by = y;
        }
      }
    for (let y = Math.max(0, by - r); y <= Math.min(h - 1, by + r); y++)
      for (let x = Math.max(0, bx - r); x <= Math.min(w - 1, bx + r); x++)
        if ((x - bx) ** 2 + (y - by) ** 2 <= r * r) out[y * w + x] = 1;
  }
  const [s] = instanceStats(out, 1, w, h, grey);
  return {
    nucleus: {
      contour: s.contour,
      bbox: s.bbox,
      centroid: s.centroid,
      morphometrics: s.morphometrics,
    },
    labels: out,
  };
}

const NEIGHBOURS: readonly [number, number][] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];

/** Otsu's threshold (bin index) of a 256-bin histogram. */
export function otsu(hist: ArrayLike<number>): number {
  let total = 0;
  let sum = 0;
  for (let i = 0; i < 256; i++) {
    total += hist[i];
    sum += i * hist[i];
  }
  let wB = 0;
  let sumB = 0;
  let best = 0;
  let bestVar = -1;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (!wB) continue;
    const wF = total - wB;
    if (!wF) break;
    sumB += t * hist[t];
    const mB = sumB / wB;
    const mF = (sum - sumB) / wF;
    const v = wB * wF * (mB - mF) ** 2;
    if (v > bestVar) {
      bestVar = v;
      best = t;
    }
  }
  return best;
}
