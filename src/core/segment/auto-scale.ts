import { cropRgba, resizeRgba } from '../image/ops';
import type { RgbaImage } from '../image/types';
import { labelComponents } from '../metrics/segmentation';
import type { SegModel } from './model';
import { probabilityMap } from './segment';

/**
 * Automatic scale (issue 12): the SE-UNet only finds nuclei whose size is near what it was trained
 * on, so an image from another objective or camera must first be brought to the working scale.
 * A cheap coarse pass runs the network on one central crop per candidate scale (each ≤
 * PROBE_SIDE² at working scale), measures the median equivalent diameter of the confident objects,
 * keeps the candidate whose objects come out closest to the trained typical size, and returns the
 * factor that brings that median to TYPICAL_DIAMETER_PX. The same pass says whether the image
 * shows one centred cell or a field (`looksLikeCell`).
 */

/**
 * Median equivalent diameter (working-scale px) of the confident objects the shipped model finds on
 * its own training images at their working scale, median over the three sets (Herlev-SD 25.4,
 * ISBI synthetic 19.4, EDF 20.8: `npx tsx scripts/probe-scale.ts --set <set> --part train`).
 */
export const TYPICAL_DIAMETER_PX = 21;
/**
 * The size the factor aims at, per mode: the same measurement per training set (cells: Herlev-SD
 * 25.4 px at ×0.5; fields: ISBI synthetic 19.4 and EDF 20.8 at ×1). The network was trained on
 * both, so either is "typical"; aiming at the one of the image's own kind keeps trained-like inputs
 * at their trained factor (chosen on Herlev-SD val: aiming cells at 21 px shrank them to ×0.36 and
 * lost 0.1 ZSI).
 */
export const TARGET_DIAMETER_PX = { cell: 25, field: 20 } as const;
/** Candidate factors (input → working scale): ×0.25 (a 4× upscale) to ×4 (a 4× downscale). */
export const CANDIDATE_SCALES = [0.125, 0.25, 0.5, 1, 2, 4] as const;
/**
 * Side of the central crop at working scale that each candidate sees: 512² on large images (a
 * 2048² upscale showed 1–2 nuclei per 256² crop, too few for a median), 256² on images up to
 * SMALL_IMAGE_SIDE: there the zoomed-in candidates must see only part of the image, or the
 * chromatin clumps of one big nucleus, seen whole at ×1–×4, outvote the nucleus itself (a
 * Herlev-SD val cell at ×2: clumps linked over ×1/×2/×4 won over the nucleus seen at ×0.25/×0.5,
 * and the cell went to ×2.5 as a field instead of ×0.25).
 */
export const PROBE_SIDE = 512;
export const SMALL_PROBE_SIDE = 256;
export const SMALL_IMAGE_SIDE = 512;
/**
 * The default factor's probe sees a larger crop: sparse fields (CRIC) often have < 2 nuclei in the
 * central 256², which sent them to the search (CRIC val point recall 0.785 with 256); 768² since
 * a crop must show ≥ 3 nuclei to keep the default (defaultInBand).
 */
export const DEFAULT_PROBE_SIDE = 768;
/** Candidates that shrink the whole image below this side are skipped (nothing left to see). */
export const MIN_PROBE_SIDE = 32;
/** The factor is clamped to this range (beyond it the input is implausible as cytology). */
export const SCALE_RANGE = [0.1, 5] as const;
/** An object counts when its mean probability reaches this and it is not cut by the crop edge. */
const CONFIDENT_MEAN_PROB = 0.75;
/** Objects smaller than this (working px Ø) are specks, not nuclei. */
const MIN_DIAMETER_PX = 6;

export interface ScaleProbe {
  scale: number;
  /** Confident whole objects in the crop. */
  objects: number;
  /** Their median equivalent diameter in working-scale px (NaN when none). */
  medianDiameterPx: number;
  /** Crop covered the whole image. */
  whole: boolean;
  /** Largest object's centre distance from the image centre / shorter side (NaN when none). */
  largestOffset: number;
  /** Largest object's equivalent diameter / shorter image side, at input resolution. */
  largestFraction: number;
  /** Area of the largest object / area of the second (Infinity with one object). */
  dominance: number;
  /** Largest object's equivalent diameter in working-scale px (NaN when none). */
  largestDiameterPx: number;
  /** Largest object's mean probability (NaN when none). */
  largestMeanProb: number;
  /** Objects dropped as specks (under MIN_DIAMETER_PX, not cut by the crop edge). */
  specks: number;
}

export interface ScaleEstimate {
  /** Factor input → working scale; `fallback` when nothing confident was found. */
  scale: number;
  /** True when the coarse pass found confident nuclei; false → `scale` is the fallback. */
  found: boolean;
  /** Median nucleus diameter in input px (NaN when not found). */
  nucleusDiameterPx: number;
  /** One centred dominant nucleus (single-cell image) rather than many (field). */
  looksLikeCell: boolean;
  /** The default factor already showed typical nuclei (no search was run). */
  atDefault?: boolean;
  /** Most confident objects any probe of the winning group saw (the evidence for leaving the default). */
  groupObjects?: number;
  /**
   * The whole image's probability map at the kept default factor (×1, input resolution), when
   * the probe computed one: the segmentation at that factor reuses it.
   */
  map?: Float32Array;
  probes: ScaleProbe[];
}

export interface EstimateOptions {
  /** Factor returned when nothing is found (default 1). */
  fallback?: number;
  /** The default factor: tried first, and it breaks ties between probe groups (default: fallback). */
  prefer?: number;
  /** Band around the target within which the default is kept (DEFAULT_OK_RATIO below, DEFAULT_OK_ABOVE above). */
  defaultOkRatio?: number;
  defaultOkAbove?: number;
  candidates?: readonly number[];
  typicalDiameterPx?: number;
  /**
   * Confident objects the probe nearest the chosen factor must show before the default is left
   * (MIN_EVIDENCE_OBJECTS; 1 for single cells, which show one nucleus at every factor).
   */
  minEvidenceObjects?: number;
  /**
   * For an image presumed a single cell whose mode is judged from content: the field mode's
   * default factor and target size, to look for a field of small nuclei there when the cell
   * evidence is weak (`checkSmallNucleiField`). Absent: no check.
   */
  fieldCheck?: { scale: number; typicalDiameterPx: number };
  /** Floor of the half-factor check (HALF_PROBE_MIN_RATIO; 0 = none, for pooled slide windows). */
  halfProbeMinRatio?: number;
}

/** The central crop a probe at `scale` sees (input pixels). */
function probeCrop(
  image: { width: number; height: number },
  scale: number,
  probeSide: number,
): { x0: number; y0: number; cw: number; ch: number; whole: boolean } {
  const side = Math.ceil(probeSide / scale);
  const cw = Math.min(image.width, side);
  const ch = Math.min(image.height, side);
  return {
    x0: Math.floor((image.width - cw) / 2),
    y0: Math.floor((image.height - ch) / 2),
    cw,
    ch,
    whole: cw === image.width && ch === image.height,
  };
}

/**
 * Images up to this many pixels get the default factor's probe from a map of the whole image
 * (when that factor is ×1): the main pass reuses the map when the default is kept, instead of
 * running the network over the probe's area twice (issue 13; a CRIC field is 1.2–1.4 MP).
 */
export const REUSE_MAX_PIXELS = 1_600_000;

/**
 * The default factor's probe, and the whole image's probability map at ×1 when it is cheap to
 * compute here (see REUSE_MAX_PIXELS): the probe reads the same central crop of that map.
 */
async function defaultProbe(
  image: RgbaImage,
  model: SegModel,
  prefer: number,
): Promise<{ probe: ScaleProbe; map?: Float32Array }> {
  if (
    prefer !== 1 ||
    image.width * image.height > REUSE_MAX_PIXELS ||
    Math.min(image.width, image.height) < 8
  )
    return { probe: await probeScale(image, model, prefer, DEFAULT_PROBE_SIDE) };
  const map = await probabilityMap(image, model, 1);
  const { x0, y0, cw, ch, whole } = probeCrop(image, 1, DEFAULT_PROBE_SIDE);
  let crop = map;
  if (!whole) {
    crop = new Float32Array(cw * ch);
    for (let y = 0; y < ch; y++)
      crop.set(map.subarray((y0 + y) * image.width + x0, (y0 + y) * image.width + x0 + cw), y * cw);
  }
  return { probe: probeStats(crop, cw, ch, whole, 1), map };
}

/** Probe one candidate scale on a central crop (≤ PROBE_SIDE² at working scale). */
export async function probeScale(
  image: RgbaImage,
  model: SegModel,
  scale: number,
  probeSide: number = PROBE_SIDE,
): Promise<ScaleProbe> {
  return (await probeObjects(image, model, scale, probeSide)).probe;
}

/** One object a probe counts: confident, not a speck, not cut by the crop edge (working px). */
export interface ProbeObject {
  area: number;
  cx: number;
  cy: number;
  meanProb: number;
}

/** `probeScale` with the objects it counted and the size of its working-scale crop. */
export async function probeObjects(
  image: RgbaImage,
  model: SegModel,
  scale: number,
  probeSide: number = PROBE_SIDE,
): Promise<{ probe: ScaleProbe; objects: ProbeObject[]; width: number; height: number }> {
  const { x0, y0, cw, ch, whole } = probeCrop(image, scale, probeSide);
  const crop = whole ? image : cropRgba(image, x0, y0, cw, ch);
  const ww = Math.max(8, Math.round(cw * scale));
  const wh = Math.max(8, Math.round(ch * scale));
  const working = resizeRgba(crop, ww, wh);
  const prob = await probabilityMap(working, model, 1);
  const found = confidentObjects(prob, ww, wh, whole);
  return {
    probe: statsOf(found, ww, wh, whole, scale),
    objects: found.objects,
    width: ww,
    height: wh,
  };
}

/** The probe's measurements on a probability map of its crop at working scale (ww × wh). */
function probeStats(
  prob: Float32Array,
  ww: number,
  wh: number,
  whole: boolean,
  scale: number,
): ScaleProbe {
  return statsOf(confidentObjects(prob, ww, wh, whole), ww, wh, whole, scale);
}

/** The objects a probe counts (largest first) and the specks it drops. */
function confidentObjects(
  prob: Float32Array,
  ww: number,
  wh: number,
  whole: boolean,
): { objects: ProbeObject[]; specks: number } {
  const mask = new Uint8Array(ww * wh);
  for (let i = 0; i < mask.length; i++) mask[i] = prob[i] >= 0.5 ? 1 : 0;
  const { labels, count } = labelComponents(mask, ww, wh);
  const area = new Float64Array(count + 1);
  const psum = new Float64Array(count + 1);
  const sx = new Float64Array(count + 1);
  const sy = new Float64Array(count + 1);
  const edge = new Uint8Array(count + 1);
  for (let y = 0; y < wh; y++)
    for (let x = 0; x < ww; x++) {
      const i = y * ww + x;
      const l = labels[i];
      if (!l) continue;
      area[l]++;
      psum[l] += prob[i];
      sx[l] += x;
      sy[l] += y;
      // Objects cut by a crop edge are truncated: their size is wrong. The image border is fine
      // for a whole-image probe (a cell image's nucleus may touch it only when badly framed).
      if (!whole && (x === 0 || y === 0 || x === ww - 1 || y === wh - 1)) edge[l] = 1;
    }
  const objects: ProbeObject[] = [];
  let specks = 0;
  for (let l = 1; l <= count; l++) {
    const d = Math.sqrt((4 * area[l]) / Math.PI);
    if (!edge[l] && d < MIN_DIAMETER_PX) specks++;
    if (edge[l] || d < MIN_DIAMETER_PX || psum[l] / area[l] < CONFIDENT_MEAN_PROB) continue;
    objects.push({
      area: area[l],
      cx: sx[l] / area[l],
      cy: sy[l] / area[l],
      meanProb: psum[l] / area[l],
    });
  }
  objects.sort((a, b) => b.area - a.area);
  return { objects, specks };
}

/** A probe's summary of its counted objects. */
function statsOf(
  { objects, specks }: { objects: ProbeObject[]; specks: number },
  ww: number,
  wh: number,
  whole: boolean,
  scale: number,
): ScaleProbe {
  const diam = objects.map((o) => Math.sqrt((4 * o.area) / Math.PI));
  const shorter = Math.min(ww, wh);
  const big = objects[0];
  const bigDiameter = big ? diam[0] : NaN;
  return {
    scale,
    objects: objects.length,
    medianDiameterPx: median(diam),
    whole,
    largestOffset: big ? Math.hypot(big.cx - ww / 2, big.cy - wh / 2) / shorter : NaN,
    largestFraction: big ? bigDiameter / shorter : 0,
    dominance:
      objects.length > 1 ? big.area / objects[1].area : objects.length === 1 ? Infinity : 0,
    largestDiameterPx: bigDiameter,
    largestMeanProb: big ? big.meanProb : NaN,
    specks,
  };
}

/** Two probes agree on the nucleus size when their implied input-px diameters differ less than this. */
export const AGREE_RATIO = 1.7;

/**
 * Pick the nucleus size from the probes. Probes are linked when they are neighbours (half or double
 * the factor) and imply the same nucleus size in input px within AGREE_RATIO: real nuclei are seen
 * at several zooms, while the artefacts of a wrong zoom are not (zoomed in too far the network
 * calls chromatin clumps "nuclei" of roughly its trained size; zoomed out too far, whole cells or
 * clusters). The largest linked group wins; on a tie, the group with the probe nearest the
 * `prefer` factor (the default). Its size is the median implied diameter of its probes. Why not
 * "the most zoomed-out group": on CRIC val and EDF test it took cell clusters seen at ×0.125–0.25
 * for nuclei (factor 0.14, CRIC point recall 0.59; scripts/probe-scale.ts --verbose).
 */
export function chooseScale(
  probes: readonly ScaleProbe[],
  options: EstimateOptions = {},
): Omit<ScaleEstimate, 'probes'> {
  const fallback = options.fallback ?? 1;
  const prefer = options.prefer ?? fallback;
  const typical = options.typicalDiameterPx ?? TYPICAL_DIAMETER_PX;
  const seen = probes.filter((p) => p.objects > 0);
  if (seen.length === 0)
    return { scale: fallback, found: false, nucleusDiameterPx: NaN, looksLikeCell: false };
  const implied = (p: ScaleProbe): number => p.medianDiameterPx / p.scale;
  const linked = (p: ScaleProbe, q: ScaleProbe): boolean =>
    Math.abs(Math.log2(q.scale / p.scale)) <= 1.01 &&
    Math.abs(Math.log(implied(p) / implied(q))) <= Math.log(AGREE_RATIO);
  // Connected groups of linked probes (candidates are few: a plain flood fill).
  const group = new Array<number>(seen.length).fill(-1);
  let groups = 0;
  for (let i = 0; i < seen.length; i++) {
    if (group[i] >= 0) continue;
    const stack = [i];
    group[i] = groups;
    while (stack.length) {
      const a = stack.pop()!;
      for (let j = 0; j < seen.length; j++)
        if (group[j] < 0 && linked(seen[a], seen[j])) {
          group[j] = groups;
          stack.push(j);
        }
    }
    groups++;
  }
  let bestGroup = -1;
  let bestKey = [-Infinity, -Infinity];
  for (let g = 0; g < groups; g++) {
    const members = seen.filter((_, i) => group[i] === g);
    const near = Math.min(...members.map((p) => Math.abs(Math.log2(p.scale / prefer))));
    const key = [members.length, -near];
    if (key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) {
      bestKey = key;
      bestGroup = g;
    }
  }
  const members = seen.filter((_, i) => group[i] === bestGroup);
  const diameterIn = median(members.map(implied));
  // The probe that measured nearest the typical size stands for the group (mode decision).
  const rep = members.reduce((a, b) =>
    Math.abs(Math.log(a.medianDiameterPx / typical)) <=
    Math.abs(Math.log(b.medianDiameterPx / typical))
      ? a
      : b,
  );
  const scale = Math.min(SCALE_RANGE[1], Math.max(SCALE_RANGE[0], typical / diameterIn));
  return {
    scale,
    found: true,
    nucleusDiameterPx: diameterIn,
    looksLikeCell: isCell(rep),
    groupObjects: Math.max(...members.map((p) => p.objects)),
  };
}

/**
 * The default factor is kept without a search when its probe shows nuclei this close to the
 * target: fields ×1.6; cells ×2, because Herlev-SD's trained nuclei span p10–p90 22–40 px at ×0.5
 * with ×1.4 zoom jitter on top (up to ~56 px), and on Herlev-SD val the one cell re-searched at
 * ×1.6 (48 px) went to ×0.25 and lost 0.06 ZSI.
 */
export const DEFAULT_OK_RATIO = { cell: 2, field: 1.6 } as const;
/**
 * Upper end of that band for fields: ×2 (40 px), because CRIC val fields — the working scale by
 * definition — show default-probe medians of 32–40 px (large and touching nuclei), and ×1.6 sent 9
 * of 41 to the search, which halved their factor (CRIC val point recall 0.809).
 */
export const DEFAULT_OK_ABOVE = { cell: 2, field: 2 } as const;

/**
 * One centred dominant nucleus that is large relative to the image: a single-cell image. A field
 * (or a crop of one) shows several nuclei, or small ones, or none near the centre.
 */
export function isCell(p: ScaleProbe, rule: CellRule = CELL_RULE): boolean {
  return (
    p.whole &&
    p.objects >= 1 &&
    p.objects <= rule.maxObjects &&
    p.largestOffset <= rule.maxOffset &&
    p.largestFraction >= rule.minFraction &&
    p.dominance >= rule.minDominance
  );
}

export interface CellRule {
  maxObjects: number;
  maxOffset: number;
  minFraction: number;
  minDominance: number;
}

/**
 * Thresholds of `isCell`, fitted on TRAIN images and checked on validation (`npx tsx
 * scripts/fit-cell-rule.ts`: the default ×0.5 probe of Herlev cells vs 200–256 px crops of CRIC
 * fields; the rule maximising cells-taken-as-cells minus crops-taken-as-cells on train). Herlev
 * cells are often off-centre with small nuclei, and a neighbour's nucleus is usually much smaller
 * than the cell's own, so a loose dominance (1.5) with a tighter centre (0.3) does best: train
 * 0.917 / 0.069, val 67 of 75 cells / 13 of 164 crops (the former 0.35 / 2.5, chosen on val
 * alone: train 0.889 / 0.059, val 66 / 15). Neither kind separates fully by nuclei alone (two
 * similar nuclei, a lone nucleus in a crop); the user's mode choice wins.
 */
export const CELL_RULE: CellRule = {
  maxObjects: 3,
  maxOffset: 0.3,
  minFraction: 0.06,
  minDominance: 1.5,
};

/** The coarse pass: every candidate probed, then the choice. Tensors are disposed by probeScale. */
export async function estimateScale(
  image: RgbaImage,
  model: SegModel,
  options: EstimateOptions = {},
): Promise<ScaleEstimate> {
  const prefer = options.prefer ?? options.fallback ?? 1;
  // Default first: an image that already looks like the training data at the default factor is
  // not searched (one pass; on native Herlev-SD/ISBI/CRIC the search could only lose).
  const { probe: first, map } = await defaultProbe(image, model, prefer);
  const probes: ScaleProbe[] = [first];
  let confirmed = defaultInBand(first, options);
  // A field-sized image is confirmed one octave out, over the same input region (see
  // `contradictsDefault`).
  if (confirmed && !first.whole) {
    const half = await probeScale(image, model, prefer / 2, DEFAULT_PROBE_SIDE / 2);
    probes.push(half);
    confirmed = !contradictsDefault(
      first,
      half,
      options.typicalDiameterPx,
      options.halfProbeMinRatio,
    );
  }
  if (confirmed)
    return checkSmallNucleiField(image, model, first, options, {
      scale: prefer,
      found: true,
      nucleusDiameterPx: first.medianDiameterPx / prefer,
      looksLikeCell: isCell(first),
      atDefault: true,
      probes,
      ...(map ? { map } : {}),
    });
  for (const s of options.candidates ?? CANDIDATE_SCALES)
    if (
      !probes.some((p) => p.scale === s) &&
      Math.max(image.width, image.height) * s >= MIN_PROBE_SIDE
    )
      probes.push(
        await probeScale(
          image,
          model,
          s,
          Math.max(image.width, image.height) <= SMALL_IMAGE_SIDE ? SMALL_PROBE_SIDE : PROBE_SIDE,
        ),
      );
  probes.sort((a, b) => a.scale - b.scale);
  const chosen = chooseWithEvidence(probes, options);
  return checkSmallNucleiField(image, model, first, options, {
    ...chosen,
    looksLikeCell: cellFromProbes(first, chosen.looksLikeCell),
    probes,
  });
}

/**
 * Mode from content, second look (issue 12): a field photographed at half the magnification (a
 * 256² copy of an ISBI field, nuclei ~9 px) can look like one cell at the cell default ×0.5,
 * where its nuclei fall under the speck size and a blur of overlapping cytoplasm passes for one
 * centred nucleus. When the default probe took the whole image for a cell with less than
 * FIELD_CHECK.gateMeanProb certainty on that nucleus, or dropped FIELD_CHECK.gateSpecks specks (the
 * field's small nuclei, seen at ~4 px there), the whole image is probed at the field default (×1)
 * too: ≥ FIELD_CHECK.minObjects confident objects, none larger than
 * FIELD_CHECK.maxRatio × the field target, make it a field of small nuclei, sized by that probe.
 * A single cell's nucleus measures ≥ 25 px there (the cell band's floor at ×0.5, doubled). Costs
 * one more ×1 pass (`npx tsx scripts/field-check-cost.ts`) on ~6 % of single cells
 * (`fieldCheckGate`).
 */
async function checkSmallNucleiField(
  image: RgbaImage,
  model: SegModel,
  first: ScaleProbe,
  options: EstimateOptions,
  est: ScaleEstimate,
): Promise<ScaleEstimate> {
  const check = options.fieldCheck;
  if (!check || !first.whole || !est.looksLikeCell || !fieldCheckGate(first)) return est;
  const p = await probeScale(image, model, check.scale, DEFAULT_PROBE_SIDE);
  const probes = [...est.probes, p];
  if (!smallNucleiField(p, check.typicalDiameterPx)) return { ...est, probes };
  const nucleusDiameterPx = p.medianDiameterPx / p.scale;
  return {
    scale: Math.min(
      SCALE_RANGE[1],
      Math.max(SCALE_RANGE[0], check.typicalDiameterPx / nucleusDiameterPx),
    ),
    found: true,
    nucleusDiameterPx,
    looksLikeCell: false,
    groupObjects: p.objects,
    probes,
  };
}

/**
 * Whether a whole-image default probe taken for a cell is doubtful enough to pay for the ×1
 * check: its nucleus is less certain than a Herlev nucleus, or the probe dropped more specks than
 * a Herlev cell shows (the ~4-px responses to a field's small nuclei at ×0.5).
 */
export function fieldCheckGate(
  first: ScaleProbe,
  gate: { gateMeanProb: number; gateSpecks: number } = FIELD_CHECK,
): boolean {
  return first.largestMeanProb < gate.gateMeanProb || first.specks >= gate.gateSpecks;
}

/** The field-default probe shows a field of small nuclei (see `checkSmallNucleiField`). */
export function smallNucleiField(p: ScaleProbe, fieldTypicalPx: number): boolean {
  return (
    p.objects >= FIELD_CHECK.minObjects &&
    p.largestDiameterPx <= FIELD_CHECK.maxRatio * fieldTypicalPx
  );
}

/**
 * Thresholds of the small-nuclei check, fitted on TRAIN images (`npx tsx
 * scripts/fit-field-check.ts`): Herlev cells (541), Herlev-SD ×0.5 copies (140), ISBI synthetic
 * ×0.5 copies (31) and 200–256² CRIC crops (492). The gate: the nucleus of a Herlev train cell has
 * mean probability ≥ 0.989 in 95 %; 0.985 runs the check on 11 of the 496 taken for cells (0.99:
 * 38) and on 11 of the 14 synthetic copies taken for cells. At ×1, ≥ 2 objects none above 0.7 × 20
 * = 14 px turns 9 of those 11 into fields and no Herlev or Herlev-SD cell (0.6: 3; 0.8: the same 9).
 * Val: 1 of 1 synthetic copy taken for a cell, 1 CRIC crop, no cell.
 * The speck gate (2026-12-07): a Herlev train cell's ×0.5 probe drops ≤ 1 speck in 95 %; ≥ 2 also
 * runs the check on 31 of 496 Herlev cells (≥ 1: 95, over the 10 % a time budget allows) and turns
 * 10 instead of 9 of the 14 synthetic copies, no cell. Val: the same images turned; 5 of the 67
 * Herlev cells taken for cells checked.
 */
export const FIELD_CHECK = {
  gateMeanProb: 0.985,
  gateSpecks: 2,
  minObjects: 2,
  maxRatio: 0.7,
} as const;

/**
 * Mode from content after a search: the default probe decides when it saw the whole image, the
 * searched group's probe only otherwise. The default factor is the one single-cell images are
 * framed for (×0.5, Herlev-like); the search's probes are zoomed in (chromatin clumps of one
 * big nucleus pass for several small ones) or out (a cluster of cells passes for one centred
 * nucleus), so judging the mode there took big dysplastic nuclei for fields and field crops for
 * cells. End to end, with CELL_RULE refitted: Herlev train cells taken for cells 473 → 496 of 541,
 * 200–256 px CRIC train crops 102 → 105 of 492, most of them crops without any confident nucleus,
 * left to the size rule (`npx tsx scripts/fit-cell-rule.ts --end-to-end`).
 */
export function cellFromProbes(first: ScaleProbe, searchedLooksLikeCell: boolean): boolean {
  return first.whole ? isCell(first) : searchedLooksLikeCell;
}

/**
 * `chooseScale`, then the evidence rule: leaving the default needs one probe of the winning group
 * to have seen `minEvidenceObjects` confident objects. On sparse native CRIC fields a few specks
 * and cell clusters otherwise sent the field to ×0.25 (2 "nuclei" instead of 12). The best probe
 * of the group, not the one nearest the factor: on EDF test at ×0.5 the ×1 probe saw 19 nuclei
 * and the ×2 probe, on a 4× smaller crop, 2.
 */
export function chooseWithEvidence(
  probes: readonly ScaleProbe[],
  options: EstimateOptions = {},
): Omit<ScaleEstimate, 'probes'> {
  const prefer = options.prefer ?? options.fallback ?? 1;
  const chosen = chooseScale(probes, options);
  if (!chosen.found || chosen.scale === prefer) return chosen;
  return (chosen.groupObjects ?? 0) < (options.minEvidenceObjects ?? 1)
    ? { scale: prefer, found: false, nucleusDiameterPx: NaN, looksLikeCell: false }
    : chosen;
}

/** The default factor's probe shows enough nuclei of about the target size to keep it. */
export function defaultInBand(first: ScaleProbe, options: EstimateOptions = {}): boolean {
  const typical = options.typicalDiameterPx ?? TYPICAL_DIAMETER_PX;
  return (
    first.objects >= (first.whole ? 1 : 3) &&
    first.medianDiameterPx >= typical / (options.defaultOkRatio ?? DEFAULT_OK_RATIO.field) &&
    first.medianDiameterPx <= typical * (options.defaultOkAbove ?? DEFAULT_OK_ABOVE.field)
  );
}

/**
 * The half-factor probe contradicts the default when it sees ≥ 2 objects implying nuclei ≥
 * AGREE_RATIO larger in input px, and those objects are at least HALF_PROBE_MIN_RATIO × the target
 * size at the half factor itself: zoomed in too far (a 2×–4× upscale) the network cuts big blurred
 * nuclei into typical-sized pieces, which the half-factor probe then shows whole (ISBI synthetic
 * val ×4 = 2048²: 2 of 7 kept ×1 without this check). On a field at the working scale the half
 * probe shows ~10-px nuclei, and where it merges touching nuclei or a cell group into "larger"
 * objects those stay below the target size (see HALF_PROBE_MIN_RATIO).
 */
export function contradictsDefault(
  first: ScaleProbe,
  half: ScaleProbe,
  typicalDiameterPx: number = TYPICAL_DIAMETER_PX,
  minRatio: number = HALF_PROBE_MIN_RATIO,
): boolean {
  return (
    half.objects >= 2 &&
    half.medianDiameterPx / half.scale >= AGREE_RATIO * (first.medianDiameterPx / first.scale) &&
    half.medianDiameterPx >= minRatio * typicalDiameterPx
  );
}

/**
 * Without this floor the check sent 6 of 123 CRIC train fields and 8 of 41 val fields — on the
 * working grid by definition — to the search (factors 0.33–2.5; CRIC val point recall 0.867 vs
 * 0.879 at ×1): their half probes showed merged objects of 11.7–23.2 px (train) and 15.8–21.4 px
 * (val), while the ×4 upscales the check exists for showed 25.4–38.8 px (ISBI synthetic train) and
 * 34.5 (val). Fitted on train: the floor between the largest native (23.2) and the smallest ×4
 * (25.4) half-probe size, as a multiple of the target (1.16–1.27), rounded to 1.2
 * (`npx tsx scripts/probe-scale.ts --set cric|synthetic --part train --resize 1,2,4 --verbose`).
 * A CRIC ×2 upscale whose half probe stays below it keeps ×1, as 23 of 40 train fields at ×2 did
 * before: the band accepts nuclei up to twice the target.
 */
export const HALF_PROBE_MIN_RATIO = 1.2;

/** Confident objects the winning probe must show before a field leaves the default factor. */
export const MIN_EVIDENCE_OBJECTS = { cell: 1, field: 3 } as const;

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
