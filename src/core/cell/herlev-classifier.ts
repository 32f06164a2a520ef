import type { ModelSource, ProgressFn } from '../../models/source';
import type { FusionModel } from '../classify/fusion';
import { fuseFeatures, standardise } from '../classify/fusion';
import type { CellFeatures, FeatureGroupName } from '../classify/groups';
import { mlpLogits, softmax } from '../classify/mlp';
import { loadFusionModel } from '../classify/model-io';
import { DEEP_NETS, deepFeatures, loadDeepExtractors } from '../features/deep/index';
import { HERLEV_BETHESDA, HERLEV_CLASSES, HERLEV_NORMAL, type HerlevClass } from '../herlev';
import type { RgbaImage } from '../image/types';
import { extractCellFeatures, type CellExtractors } from '../pipeline/cell-features';
import { CLASS_NAMES, type ClassName } from '../types';
import { cellImageView, dihedral } from './view';

/**
 * The single-cell (Herlev, 7-class) classifier: its own fine-tuned CNNs (public/models/cell/cnn),
 * the shipped LBP and SURF-BoF (vocabulary shared with the field classifier), per-group PCA →
 * MLP (public/models/cell/cls), all on the whole-cell view (`cellImageView`). Separate from the
 * field (CRIC) classifier: different classes, different input framing.
 */
export const CELL_CNN_CONFIG = 'cell/cnn.json';
export const CELL_CLS_DIR = 'cell/cls';

export interface CellClassifier {
  fusion: FusionModel;
  /** The classifier's own CNNs; LBP/BoF come from the field pipeline's extractors at call time. */
  extractors: CellExtractors;
  version: string;
  dispose(): void;
}

export interface HerlevPrediction {
  /** Calibrated probabilities in HERLEV_CLASSES order. */
  herlevProbabilities: number[];
  herlevLabel: HerlevClass;
  /** The same probabilities summed per Bethesda class, in CLASS_NAMES order. */
  probabilities: number[];
  label: ClassName;
  confidence: number;
  /** Sum of the abnormal (non-normal) Herlev classes. */
  abnormalProbability: number;
  /** abnormalProbability ≥ the threshold chosen on validation. */
  abnormal: boolean;
  lowConfidence: boolean;
}

/** Load the single-cell classifier (fusion head and its CNNs). */
export async function loadCellClassifier(
  source: ModelSource,
  onProgress?: ProgressFn,
): Promise<CellClassifier> {
  const fusion = await loadFusionModel(source, CELL_CLS_DIR, onProgress);
  if (fusion.classes.length !== HERLEV_CLASSES.length)
    throw new Error(`the single-cell classifier has ${fusion.classes.length} classes, expected 7`);
  const wantDeep = fusion.groups
    .map((g) => g.name)
    .filter((g): g is (typeof DEEP_NETS)[number] => (DEEP_NETS as readonly string[]).includes(g));
  const deep = wantDeep.length
    ? await loadDeepExtractors(source, wantDeep, onProgress, CELL_CNN_CONFIG)
    : undefined;
  // Trained on features of other CNNs than those shipped it would give confident nonsense (the
  // field classifier has the same guard, staleFeatureModels): refuse it, saying why.
  const trainedWith = fusion.meta.cnn;
  if (deep && typeof trainedWith === 'string' && trainedWith !== deep.version) {
    deep.dispose();
    throw new Error(
      `it was trained with other CNNs (${trainedWith}) than those shipped in ${CELL_CNN_CONFIG} (${deep.version})`,
    );
  }
  const extractors: CellExtractors = {
    ...(deep
      ? {
          deepGroups: deep.names,
          deep: async (crop, wanted) =>
            deepFeatures(
              crop,
              deep,
              deep.names.filter((n) => (wanted as readonly string[]).includes(n)),
            ),
        }
      : {}),
  };
  return {
    fusion,
    extractors,
    version: `${String(fusion.meta.version ?? 'cell')}${deep ? `+${deep.version}` : ''}`,
    dispose: () => deep?.dispose(),
  };
}

/** Probabilities → the per-nucleus Herlev output (Bethesda sums, abnormal call). */
export function herlevFromProbabilities(
  herlevProbabilities: number[],
  threshold: number,
  lowConfidenceBelow: number,
): HerlevPrediction {
  let best = 0;
  for (let c = 1; c < herlevProbabilities.length; c++)
    if (herlevProbabilities[c] > herlevProbabilities[best]) best = c;
  const probabilities = CLASS_NAMES.map(() => 0);
  let abnormalProbability = 0;
  HERLEV_CLASSES.forEach((k, i) => {
    probabilities[CLASS_NAMES.indexOf(HERLEV_BETHESDA[k])] += herlevProbabilities[i];
    if (!HERLEV_NORMAL.includes(k)) abnormalProbability += herlevProbabilities[i];
  });
  let bb = 0;
  for (let c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[bb]) bb = c;
  const confidence = herlevProbabilities[best];
  return {
    herlevProbabilities,
    herlevLabel: HERLEV_CLASSES[best],
    probabilities,
    label: CLASS_NAMES[bb],
    confidence,
    abnormalProbability,
    abnormal: abnormalProbability >= threshold,
    lowConfidence: confidence < lowConfidenceBelow,
  };
}

/** Calibrated logits of the fusion head for one cell's features. */
export function cellLogits(model: FusionModel, features: CellFeatures): Float32Array {
  return mlpLogits(model.mlp, standardise(model.scaler, fuseFeatures(model, features)));
}

export function predictHerlev(model: FusionModel, features: CellFeatures): HerlevPrediction {
  const p = softmax(cellLogits(model, features), model.temperature);
  return herlevFromProbabilities(p, model.abnormalThreshold, model.lowConfidenceBelow);
}

/**
 * Features of a whole-cell image, exactly as training computed them. With `views` > 1 every
 * group's features are averaged over that many dihedral transforms of the view (test-time
 * augmentation; the model records how many it was trained with in `meta.views`).
 */
export async function cellImageFeatures(
  image: RgbaImage,
  extractors: CellExtractors,
  groups: readonly FeatureGroupName[],
  pipeline: FusionModel['pipeline'],
  stageMs?: Record<string, number>,
  views = 1,
): Promise<CellFeatures> {
  const view = cellImageView(image);
  if (views <= 1) return extractCellFeatures(view, null, extractors, groups, pipeline, stageMs);
  const sum: CellFeatures = {};
  for (let k = 0; k < views; k++) {
    const f = await extractCellFeatures(
      dihedral(view, k),
      null,
      extractors,
      groups,
      pipeline,
      stageMs,
    );
    for (const g of groups) {
      const v = f[g]!;
      const acc = (sum[g] ??= new Float32Array(v.length));
      for (let j = 0; j < v.length; j++) acc[j] += v[j] / views;
    }
  }
  return sum;
}

/**
 * Classify a single-cell image into the 7 Herlev classes. `shared` supplies the SURF-BoF extractor
 * and the descriptor hook (the app's worker pool) of the field pipeline: same code for LBP/BoF.
 */
export async function classifyCellImage(
  image: RgbaImage,
  clf: CellClassifier,
  shared: CellExtractors,
  stageMs?: Record<string, number>,
): Promise<HerlevPrediction> {
  const features = await cellImageFeatures(
    image,
    {
      ...clf.extractors,
      ...(shared.bof ? { bof: shared.bof } : {}),
      ...(shared.handcrafted ? { handcrafted: shared.handcrafted } : {}),
    },
    clf.fusion.groups.map((g) => g.name),
    clf.fusion.pipeline,
    stageMs,
    Number(clf.fusion.meta.views ?? 1),
  );
  return predictHerlev(clf.fusion, features);
}

/** Held-out Herlev test figures recorded in the model file (from `paplens eval-cells`). */
export interface CellTestFigures {
  cells: number;
  accuracy7: number;
  sensitivity: number;
  specificity: number;
  auc: number;
  command: string;
}

/** One sentence with the measured test figures, shown with every single-cell result. */
export function measuredNote(fusion: FusionModel): string {
  const t = fusion.meta.test as CellTestFigures | undefined;
  if (!t)
    return 'The single-cell classifier has no recorded Herlev test figures; treat its probabilities with extra caution.';
  const pc = (v: number): string => `${(100 * v).toFixed(0)}%`;
  return `Single-cell classifier, measured on ${t.cells} held-out Herlev test cells (their source images unseen in training): 7-class accuracy ${pc(t.accuracy7)}; abnormal vs normal sensitivity ${pc(t.sensitivity)} at specificity ${pc(t.specificity)}. Decision support only.`;
}
