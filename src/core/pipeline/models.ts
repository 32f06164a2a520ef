import * as tf from '@tensorflow/tfjs';
import type { ModelSource, ProgressFn } from '../../models/source';
import { setTileHelpers, type TileHelper } from '../segment/tile-helpers';
import { loadFusionModel } from '../classify/model-io';
import type { FusionModel } from '../classify/fusion';
import type { RgbaImage } from '../image/types';
import type { CellExtractors } from './cell-features';
import {
  DEEP_CONFIG_PATH,
  DEEP_NETS,
  deepFeatures,
  deepFeaturesBatch,
  loadDeepExtractors,
  type DeepModelsConfig,
  type DeepNetName,
} from '../features/deep/index';
import { bofHistogram, loadVocabulary, VOCABULARY_PATH, type Vocabulary } from '../features/bof';
import { cellSurf } from '../features/describe-cell';
import { loadSegModel, segment, type SegModel, type SegmentOptions } from '../segment/index';
import { estimateScale, type ScaleEstimate } from '../segment/auto-scale';
import { estimateOptions, type EstimateContext } from './scale-choice';
import type { AnalysisMode } from '../types';
import { parseScreenModel, SCREEN_PATH, type ScreenModel } from '../classify/other-gate';
import { CELL_CLS_DIR, loadCellClassifier, type CellClassifier } from '../cell/herlev-classifier';

/**
 * Everything the analysis pipeline can use, loaded from one model source. Whatever is not shipped
 * is left out and named in `missing` (plain sentences for the app and the CLI).
 */
export interface PipelineModels {
  seg?: SegAdapter;
  extractors: CellExtractors;
  cls?: FusionModel;
  /** Field screening: the Other gate and the operating point (issue 11); needs `cls`. */
  screen?: ScreenModel;
  /** Single-cell (Herlev, 7-class) classifier for cell mode (public/models/cell). */
  cell?: CellClassifier;
  /** The SURF BoF vocabulary behind `extractors.bof` (the app hands it to its worker pool). */
  vocabulary?: Vocabulary;
  missing: string[];
  versions: Record<string, string>;
  dispose(): void;
}

/** What the pipeline needs from segmentation (adapted from src/core/segment). */
export interface SegNucleus {
  contour: [number, number][];
  bbox: { x: number; y: number; width: number; height: number };
  centroid: { x: number; y: number };
  morphometrics: {
    areaPx: number;
    perimeterPx: number;
    circularity: number;
    eccentricity: number;
    meanIntensity: number;
  };
}
export interface SegOutput {
  width: number;
  height: number;
  /** Instance labels (0 = background, i + 1 = nuclei[i]), width × height. */
  labels: Int32Array;
  nuclei: SegNucleus[];
  /** Factor applied to reach the working scale. */
  scale: number;
}
export interface SegAdapter {
  /**
   * `scale` overrides the model's default factor to the working scale (1 = already there);
   * `probability`: the network's map at that factor, already computed (auto-scale's pass);
   * `helper`: a one-tile input runs on that tile helper, if any (SegmentOptions.helper).
   */
  segment(
    image: RgbaImage,
    mode: 'cell' | 'field',
    scale?: number,
    probability?: Float32Array,
    helper?: number,
  ): Promise<SegOutput>;
  /**
   * The automatic-scale coarse pass (src/core/segment/auto-scale.ts) for a presumed mode, used as
   * `how` says (scale-choice.ts, EstimateContext). Absent in test doubles.
   */
  estimateScale?(
    image: RgbaImage,
    mode: AnalysisMode,
    how?: EstimateContext,
  ): Promise<ScaleEstimate>;
  /** Share the tiles of large inputs with copies of the network in other workers (empty: none). */
  shareTiles?(helpers: readonly TileHelper[]): void;
  version: string;
  dispose(): void;
}

export interface LoadOptions {
  /** Load the classifier too (extract-features does not need it). */
  classifier?: boolean;
  onProgress?: (stage: string, loaded: number, total: number) => void;
  /**
   * A field's crops through the CNNs in batches (`extractors.deepBatch`). Default: on a GPU
   * backend (WebGPU, WebGL), where one crop per call is dispatch-bound; not on WASM or cpu.
   */
  batchDeepCrops?: boolean;
}

/** Backends on which a batch of crops per CNN call pays (see LoadOptions.batchDeepCrops). */
export function isGpuBackend(name: string): boolean {
  return name === 'webgpu' || name === 'webgl';
}

async function tryLoad<T>(
  what: string,
  missing: string[],
  load: () => Promise<T | undefined>,
): Promise<T | undefined> {
  try {
    return await load();
  } catch (e) {
    missing.push(`${what}: ${(e as Error).message}`);
    return undefined;
  }
}

export async function loadPipelineModels(
  source: ModelSource,
  options: LoadOptions = {},
): Promise<PipelineModels> {
  const missing: string[] = [];
  const versions: Record<string, string> = {};
  const progress =
    (stage: string): ProgressFn =>
    (l, t) =>
      options.onProgress?.(stage, l, t);
  const extractors: CellExtractors = {};
  let vocabulary: Vocabulary | undefined;
  const disposers: (() => void)[] = [];

  let seg: SegAdapter | undefined;
  if (await source.has('seg/model.json')) {
    seg = await tryLoad('the segmentation model could not be loaded', missing, () =>
      loadSegAdapter(source, progress('seg')),
    );
  } else missing.push('no trained segmentation model is present (public/models/seg)');
  if (seg) {
    versions.seg = seg.version;
    disposers.push(() => seg.dispose());
  }

  if (await source.has(DEEP_CONFIG_PATH)) {
    const deep = await tryLoad('deep feature models could not be loaded', missing, async () => {
      const cfg = await source.readJson<DeepModelsConfig>(DEEP_CONFIG_PATH);
      const names = DEEP_NETS.filter((n) => cfg.nets?.[n]);
      for (const n of DEEP_NETS)
        if (!names.includes(n)) missing.push(`deep feature model "${n}" is not shipped`);
      return loadDeepExtractors(source, names, progress('cnn'));
    });
    if (deep) {
      versions.cnn = deep.version;
      disposers.push(() => deep.dispose());
      extractors.deepGroups = deep.names;
      const only = (wanted: readonly string[]): DeepNetName[] =>
        deep.names.filter((n) => wanted.includes(n));
      extractors.deep = async (crop, wanted) => deepFeatures(crop, deep, only(wanted));
      if (options.batchDeepCrops ?? isGpuBackend(tf.getBackend()))
        extractors.deepBatch = (crops, wanted) => deepFeaturesBatch(crops, deep, only(wanted));
    }
  } else missing.push('no fine-tuned deep feature models are present (public/models/cnn)');

  if (await source.has(VOCABULARY_PATH)) {
    const vocab = await tryLoad(
      'the SURF bag-of-features vocabulary could not be loaded',
      missing,
      () => loadVocabulary(source),
    );
    if (vocab) {
      versions.bof = `k${vocab.k}`;
      vocabulary = vocab;
      extractors.bof = (grey) => bofHistogram(cellSurf(grey, vocab.extraction).descriptors, vocab);
    }
  } else missing.push('no SURF bag-of-features vocabulary is present (public/models/bof)');

  let cls: FusionModel | undefined;
  if (options.classifier !== false) {
    if (await source.has('cls/model.json')) {
      cls = await tryLoad('classifier could not be loaded', missing, () =>
        loadFusionModel(source, 'cls', progress('cls')),
      );
      if (cls) versions.cls = String(cls.meta.version ?? 'cls');
      const stale = cls ? await staleFeatureModels(source, cls) : [];
      if (stale.length) {
        missing.push(
          `the classifier was trained with other feature models than those shipped (${stale.join(', ')}); it was not loaded`,
        );
        cls = undefined;
      }
    } else {
      missing.push('no trained classification model is present (public/models/cls)');
    }
  }
  let screen: ScreenModel | undefined;
  if (cls && (await source.has(SCREEN_PATH))) {
    screen = await tryLoad('the field screening model could not be loaded', missing, async () =>
      parseScreenModel(await source.readJson<unknown>(SCREEN_PATH)),
    );
    // The gate reads the classifier's fused features: with another classifier it is meaningless.
    if (screen && screen.clsVersion !== versions.cls) {
      missing.push(
        `the field screening model was trained for classifier ${screen.clsVersion}, not ${versions.cls}; it was not loaded (no Other class)`,
      );
      screen = undefined;
    }
    // Its inputs are the segmented nuclei's morphometrics: another segmenter moves them.
    if (screen?.segVersion && versions.seg && screen.segVersion !== versions.seg) {
      missing.push(
        `the field screening model was fitted on segmentation model ${screen.segVersion}, not ${versions.seg}; it was not loaded (no Other class)`,
      );
      screen = undefined;
    }
    if (screen) versions.screen = String(screen.meta.version ?? 'screen');
  } else if (cls) missing.push('no field screening model is present (public/models/screen)');
  let cell: CellClassifier | undefined;
  if (options.classifier !== false) {
    if (await source.has(`${CELL_CLS_DIR}/model.json`)) {
      cell = await tryLoad('the single-cell classifier could not be loaded', missing, () =>
        loadCellClassifier(source, progress('cell')),
      );
      if (cell) {
        versions.cell = cell.version;
        const c = cell;
        disposers.push(() => c.dispose());
      }
    } else missing.push('no single-cell classifier is present (public/models/cell)');
  }
  return {
    seg,
    extractors,
    cls,
    screen,
    cell,
    vocabulary,
    missing,
    versions,
    dispose: () => disposers.forEach((d) => d()),
  };
}

/**
 * Feature groups whose shipped model files differ from those the classifier was trained with
 * (recorded as `meta.featureModels` = group → "name:<first 12 hex of SHA-256>"). A classifier fed
 * features from a re-trained CNN or vocabulary would give confident nonsense, so it is refused.
 */
export async function staleFeatureModels(source: ModelSource, cls: FusionModel): Promise<string[]> {
  const recorded = cls.meta.featureModels as Record<string, string> | undefined;
  if (!recorded) return [];
  const m = await source.manifest();
  const sha = (path: string): string =>
    m?.files.find((f) => f.path === path)?.sha256.slice(0, 12) ?? 'none';
  const out: string[] = [];
  for (const g of cls.groups.map((x) => x.name)) {
    const want = recorded[g];
    if (!want || g === 'lbp') continue;
    const file = g === 'bof' ? 'bof/vocabulary.json' : `cnn/${g}/weights.bin`;
    if (!want.startsWith(`${g}:${sha(file)}`)) out.push(g);
  }
  return out;
}

export function disposePipelineModels(m: PipelineModels): void {
  m.dispose();
}

async function loadSegAdapter(source: ModelSource, onProgress: ProgressFn): Promise<SegAdapter> {
  return segAdapterOf(await loadSegModel(source, 'seg', onProgress));
}

/** Post-processing settings an evaluation may change (the shipped defaults otherwise). */
export type SegmentPostOptions = Pick<
  SegmentOptions,
  'threshold' | 'minAreaPx' | 'splitDynamicsPx' | 'extraZooms' | 'minObjectProb'
>;

/**
 * The pipeline's view of a loaded SE-UNet (also what the evaluation CLI and scripts use).
 * `post`: post-processing other than the shipped defaults (`paplens eval-seg`'s tuning flags).
 */
export function segAdapterOf(model: SegModel, post: SegmentPostOptions = {}): SegAdapter {
  return {
    version: model.version,
    dispose: () => model.dispose(),
    estimateScale: (image, mode, how) => estimateScale(image, model, estimateOptions(mode, how)),
    shareTiles: (helpers) => setTileHelpers(model, helpers),
    async segment(image, mode, scale, probability, helper) {
      const r = await segment(image, model, {
        ...post,
        mode,
        ...(scale !== undefined ? { scale } : {}),
        ...(probability ? { probability } : {}),
        ...(helper !== undefined ? { helper } : {}),
      });
      return {
        width: r.width,
        height: r.height,
        labels: r.labels,
        nuclei: r.instances,
        scale: r.scale,
      };
    },
  };
}

/**
 * 0/1 mask (crop-sized) of the crop's main nucleus: the instance under the crop centre, else the
 * largest one within a third of the crop from the centre; null when none is found.
 */
export async function cellNucleusMask(
  crop: RgbaImage,
  models: PipelineModels,
): Promise<Uint8Array | null> {
  if (!models.seg) return null;
  // Crops are cut at the working scale already (CRIC 1280-px grid), hence scale 1.
  const s = await models.seg.segment(crop, 'cell', 1);
  return mainNucleusMask(s);
}

export function mainNucleusIndex(s: SegOutput): number {
  const cx = Math.floor(s.width / 2);
  const cy = Math.floor(s.height / 2);
  const atCentre = s.labels[cy * s.width + cx];
  if (atCentre > 0) return atCentre - 1;
  let best = -1;
  let bestScore = -Infinity;
  const limit = Math.min(s.width, s.height) / 3;
  s.nuclei.forEach((n, i) => {
    const d = Math.hypot(n.centroid.x - cx, n.centroid.y - cy);
    if (d > limit) return;
    const score = n.morphometrics.areaPx - 4 * d * d;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}

export function mainNucleusMask(s: SegOutput): Uint8Array | null {
  const i = mainNucleusIndex(s);
  if (i < 0) return null;
  const m = new Uint8Array(s.width * s.height);
  for (let p = 0; p < m.length; p++) m[p] = s.labels[p] === i + 1 ? 1 : 0;
  return m;
}
