import type { CellFeatures, FeatureGroupName } from '../classify/groups';
import { lbpHistogram, lbpMultiRadius, type LbpVariant } from '../features/lbp';
import { toGrey } from '../image/ops';
import type { GreyImage, RgbaImage } from '../image/types';

/**
 * What the descriptors and CNNs see (chosen on validation, recorded in the classifier file):
 * - 'plain': the crop as cut;
 * - 'suppressed': everything farther than a few px from the segmented nucleus replaced by the
 *   crop's typical surround colour (the nucleus and its rim kept);
 * - 'nucleus': only the nucleus kept, LBP counted inside the nucleus mask only.
 * When segmentation finds no nucleus in the crop the plain crop is used (same in training and use).
 */
export type CellView = 'plain' | 'suppressed' | 'nucleus';
export const CELL_VIEWS: readonly CellView[] = ['plain', 'suppressed', 'nucleus'];

export interface CellPipelineConfig {
  view: CellView;
  lbp: { variant: LbpVariant; radii: number[] };
  /** Rim kept around the nucleus in the 'suppressed' view, px at working scale. */
  suppressMarginPx: number;
}

export const DEFAULT_CELL_PIPELINE: CellPipelineConfig = {
  view: 'plain',
  lbp: { variant: 'default', radii: [1] },
  suppressMarginPx: 4,
};

/** Deep features of one crop, by network (any subset). */
export type DeepFeatureFn = (
  crop: RgbaImage,
  wanted: readonly FeatureGroupName[],
) => Promise<Partial<Record<FeatureGroupName, Float32Array>>>;
/**
 * A copy of the CNN feature extractors in another worker (the segmentation tile workers load one
 * too: they idle while a field's crops are classified; src/core/pipeline/deep-prefetch.ts). Same
 * weights and WASM kernels as this thread's, so the features are the same whoever computes them
 * (tests/deep-helpers.test.ts).
 */
export interface DeepHelper {
  features(crop: RgbaImage, wanted: readonly FeatureGroupName[]): Promise<CellFeatures>;
}

/** SURF bag-of-features histogram of a grey crop (optionally restricted to a mask). */
export type BofFeatureFn = (grey: GreyImage, mask?: Uint8Array) => Float32Array;

export type HandcraftedGroup = 'lbp' | 'bof';
export interface HandcraftedFeatures {
  lbp?: Float32Array;
  bof?: Float32Array;
}
/**
 * LBP and/or SURF BoF of a view computed elsewhere (the app's descriptor worker pool), with the
 * same functions and config as the inline path (`describeCell`). It must leave `view` and
 * `region` intact (copy before transferring): the CNNs read the same view meanwhile.
 */
export type HandcraftedFeatureFn = (
  view: RgbaImage,
  region: Uint8Array | undefined,
  groups: readonly HandcraftedGroup[],
  lbp: CellPipelineConfig['lbp'],
  signal?: AbortSignal,
) => Promise<HandcraftedFeatures>;

/** `deep` for many equally sized crops in one call per network (results in crop order). */
export type DeepBatchFn = (
  crops: readonly RgbaImage[],
  wanted: readonly FeatureGroupName[],
) => Promise<Partial<Record<FeatureGroupName, Float32Array>>[]>;

/** Extractors that are present; a missing one simply leaves its groups absent. */
export interface CellExtractors {
  deep?: DeepFeatureFn;
  /**
   * Set on GPU backends only, where one crop per call is dispatch-bound: a field's crops go
   * through the CNNs in batches (src/core/pipeline/deep-batches.ts). On WASM batching did not pay
   * (docs/PERFORMANCE.md) and the crops go to the helpers instead.
   */
  deepBatch?: DeepBatchFn;
  /** Groups `deep` can produce. */
  deepGroups?: readonly FeatureGroupName[];
  /** Copies of the CNNs in other workers, for a field's crops (none: this thread alone). */
  deepHelpers?: readonly DeepHelper[];
  bof?: BofFeatureFn;
  /** When set, LBP and BoF come from here (started before the CNNs so both run at once). */
  handcrafted?: HandcraftedFeatureFn;
}

export function availableGroups(ex: CellExtractors): FeatureGroupName[] {
  const g: FeatureGroupName[] = [...(ex.deep ? (ex.deepGroups ?? []) : [])];
  g.push('lbp');
  if (ex.bof || ex.handcrafted) g.push('bof');
  return g;
}

/** The hand-crafted groups among `groups`, in a fixed order. */
export function handcraftedGroups(groups: readonly FeatureGroupName[]): HandcraftedGroup[] {
  return (['lbp', 'bof'] as const).filter((g) => groups.includes(g));
}

/** Dilate a 0/1 mask by `r` px (square structuring element, two separable passes). */
export function dilate(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const tmp = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (let dx = -r; dx <= r && !v; dx++) {
        const xx = x + dx;
        if (xx >= 0 && xx < w && mask[y * w + xx]) v = 1;
      }
      tmp[y * w + x] = v;
    }
  }
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (let dy = -r; dy <= r && !v; dy++) {
        const yy = y + dy;
        if (yy >= 0 && yy < h && tmp[yy * w + x]) v = 1;
      }
      out[y * w + x] = v;
    }
  }
  return out;
}

/**
 * The image handed to the extractors for a view, and the region LBP/BoF count over
 * (undefined = whole image).
 */
export function cellView(
  crop: RgbaImage,
  nucleusMask: Uint8Array | null,
  config: CellPipelineConfig,
): { image: RgbaImage; region?: Uint8Array } {
  if (config.view === 'plain' || !nucleusMask || !nucleusMask.some((v) => v))
    return { image: crop };
  const { width: w, height: h } = crop;
  const keep =
    config.view === 'suppressed' ? dilate(nucleusMask, w, h, config.suppressMarginPx) : nucleusMask;
  // Fill colour: per-channel median of the pixels not kept (the cell's own surround), so the
  // replaced area looks like plain cytoplasm/background rather than an artificial colour.
  const fill = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    const hist = new Uint32Array(256);
    let n = 0;
    for (let i = 0; i < w * h; i++) {
      if (!keep[i]) {
        hist[crop.data[4 * i + c]]++;
        n++;
      }
    }
    let acc = 0;
    let v = 0;
    for (; v < 256 && n > 0; v++) {
      acc += hist[v];
      if (acc * 2 >= n) break;
    }
    fill[c] = n > 0 ? v : 255;
  }
  const data = new Uint8ClampedArray(crop.data);
  for (let i = 0; i < w * h; i++) {
    if (keep[i]) continue;
    data[4 * i] = fill[0];
    data[4 * i + 1] = fill[1];
    data[4 * i + 2] = fill[2];
  }
  return {
    image: { width: w, height: h, data },
    region: config.view === 'nucleus' ? keep : undefined,
  };
}

/** Every requested feature group of one cell crop, computed exactly as the app computes it. */
export async function extractCellFeatures(
  crop: RgbaImage,
  nucleusMask: Uint8Array | null,
  extractors: CellExtractors,
  groups: readonly FeatureGroupName[],
  config: CellPipelineConfig,
  timings?: Record<string, number>,
): Promise<CellFeatures> {
  const { image, region } = cellView(crop, nucleusMask, config);
  const out: CellFeatures = {};
  const wantedDeep = groups.filter((g) => extractors.deepGroups?.includes(g));
  const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
  const wantedHand = handcraftedGroups(groups);
  // Started first so the descriptor workers run while the CNNs do.
  const hand =
    wantedHand.length && extractors.handcrafted
      ? extractors.handcrafted(image, region, wantedHand, config.lbp)
      : null;
  // If the CNNs throw first, the pending descriptor promise must not become an unhandled rejection.
  hand?.catch(() => undefined);
  if (wantedDeep.length) {
    if (!extractors.deep) throw new Error('deep feature extractors are not loaded');
    const t = now();
    Object.assign(out, await extractors.deep(image, wantedDeep));
    if (timings) timings.deep_features = (timings.deep_features ?? 0) + now() - t;
  }
  if (hand) {
    // Only the time this pipeline waited for the workers (their compute overlaps the CNNs).
    const t = now();
    const h = await hand;
    if (h.lbp) out.lbp = h.lbp;
    if (h.bof) out.bof = h.bof;
    if (timings) timings.lbp_bof_wait = (timings.lbp_bof_wait ?? 0) + now() - t;
  }
  const needGrey = !hand && wantedHand.length > 0;
  const grey = needGrey ? toGrey(image) : null;
  if (grey && groups.includes('lbp')) {
    const t = now();
    const { variant, radii } = config.lbp;
    out.lbp =
      radii.length === 1
        ? lbpHistogram(grey, { variant, radius: radii[0], mask: region })
        : lbpMultiRadius(grey, radii, { variant, mask: region });
    if (timings) timings.lbp = (timings.lbp ?? 0) + now() - t;
  }
  if (grey && groups.includes('bof')) {
    if (!extractors.bof) throw new Error('the SURF bag-of-features vocabulary is not loaded');
    const t = now();
    out.bof = extractors.bof(grey, region);
    if (timings) timings.surf_bof = (timings.surf_bof ?? 0) + now() - t;
  }
  for (const g of groups)
    if (!out[g]) throw new Error(`feature group "${g}" could not be computed`);
  return out;
}
