import { getBackend } from '@tensorflow/tfjs';
import { cropCell, CELL_CROP_SIZE, workingImage } from './image/crop-cell';
import type { RgbaImage } from './image/types';
import { classifyCrop, classifyFieldNucleus } from './pipeline/classify-cell';
import { classifyCellImage, measuredNote, type HerlevPrediction } from './cell/herlev-classifier';
import { framingCaveats } from './cell/framing';
import { HERLEV_CLASSES } from './herlev';
import { fieldPrefetch } from './pipeline/field-prefetch';
import { settleByGate, type GateSettled } from './pipeline/gate-first';
import type { PipelineModels } from './pipeline/models';
import { AUTO_CELL_MAX_SIDE, chooseModeAndScale, type ScaleChoice } from './pipeline/scale-choice';
import { finderSearches, segmentAsChosen } from './pipeline/segment-as-chosen';
import { OTHER_CLASS } from './types';
import type { AnalysisMode, AnalysisResult, Nucleus, NucleusLabel } from './types';

export { loadPipelineModels as loadModels } from './pipeline/models';
export type { PipelineModels } from './pipeline/models';

export interface AnalyzeOptions {
  /** 'auto' (default): from the image content (one centred nucleus vs many); see scale-choice.ts. */
  mode?: 'auto' | AnalysisMode;
  /** Factor input → working scale set by the user (wins over pixelSizeUm and the automatic scale). */
  scale?: number;
  /** µm per input pixel set by the user (wins over the automatic scale). */
  pixelSizeUm?: number;
  signal?: AbortSignal;
  /** stage name and completed fraction 0..1 */
  onProgress?: (stage: string, fraction: number) => void;
  name?: string;
}

export { DESCRIPTOR_PREFETCH } from './pipeline/field-prefetch';

/** Images up to this side are treated as a single cell when no content is seen (a field is ≥ ~500 px). */
export { AUTO_CELL_MAX_SIDE };

export class AnalysisCancelledError extends Error {
  constructor() {
    super('The analysis was cancelled.');
    this.name = 'AbortError';
  }
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AnalysisCancelledError();
}

/** Mode from the image size alone (the fallback of chooseModeAndScale without a segmentation model). */
export function chooseMode(image: RgbaImage): AnalysisMode {
  return Math.max(image.width, image.height) <= AUTO_CELL_MAX_SIDE ? 'cell' : 'field';
}

/**
 * Full analysis of one image: segmentation (all nuclei of a field, or the main nucleus of a
 * cell image), a working-scale crop per nucleus, features, PCA + MLP, calibrated probabilities.
 * Whatever model is missing is reported in `warnings`; nothing is invented in its place.
 */
export async function analyze(
  image: RgbaImage,
  models: PipelineModels,
  options: AnalyzeOptions = {},
): Promise<AnalysisResult> {
  if (
    !(image.width > 0 && image.height > 0) ||
    image.data.length !== image.width * image.height * 4
  ) {
    throw new Error('The image is empty or its pixel data does not match its size.');
  }
  const tStart = now();
  const warnings: string[] = [...models.missing.map((m) => `${capitalise(m)}.`)];
  const timings: { stage: string; ms: number }[] = [];
  const progress = options.onProgress ?? (() => undefined);
  const signal = options.signal;
  // Mode and scale: the user's choice, else the automatic coarse pass (issue 12).
  const tScale = now();
  const choice = await chooseModeAndScale(
    image,
    finderSearches(options) ? undefined : models.seg,
    options,
  );
  // The coarse pass is its own stage: it is a full network pass on up to ~0.75 MP.
  timings.push({ stage: 'scale', ms: now() - tScale });
  const mode: AnalysisMode = choice.mode;
  if (choice.modeFrom !== 'user')
    warnings.push(
      `Analysed as a ${mode === 'cell' ? 'single-cell image' : 'field'} (chosen from ${choice.modeFrom === 'content' ? 'what the image shows' : `the image size, ${image.width}×${image.height}`}); choose the mode explicitly if this is wrong.`,
    );

  // 1. Segmentation.
  checkAbort(signal);
  progress('segment', 0);
  const t0 = now();
  const stageMs: Record<string, number> = {};
  let herlevEarly: Promise<HerlevPrediction> | null = null;
  // A cell: its own nucleus searched at whatever pixel size, always one, first in the list
  // (src/core/pipeline/segment-as-chosen.ts); a field: the chosen factor.
  const finding = segmentAsChosen(image, models.seg, choice);
  if (mode === 'cell' && models.cell) {
    // The single-cell classifier reads the whole image, not the nucleus: it runs on this thread
    // while the search's passes run on the tile helpers (where there are any). Same answer.
    herlevEarly = classifyCellImage(image, models.cell, models.extractors, stageMs);
    // Awaited below; a failed search must not leave it as an unhandled rejection.
    herlevEarly.catch(() => undefined);
  }
  // The label map is not kept: an input-sized array the result does not need.
  const { nuclei, scale, method } = await finding;
  // A cell with no nucleus ('empty') has, like the fallback's, no scale found by the search.
  const cellMethod = method === 'segmentation' ? 'segmentation' : 'fallback';
  if (mode === 'cell' && method === 'empty')
    warnings.push(
      `No nucleus was found in this image: ${models.seg ? 'the segmentation model found none, and ' : ''}nothing near the centre is a nucleus-sized, compact region darker than its surroundings (it looks like background). If it shows cells, choose Field mode or set the pixel size.`,
    );
  else if (mode === 'cell') {
    if (!models.seg)
      warnings.push(
        'Without a segmentation model the nucleus was estimated as the darkest region near the image centre; its outline and measurements are rough.',
      );
    else if (method === 'fallback')
      warnings.push(
        'The segmentation model found no plausible nucleus near the centre; the outline shown is the darkest region near the centre (a simple fallback). Check it before trusting the measurements.',
      );
  } else if (method === 'none')
    warnings.push('Without a segmentation model no nuclei can be found in a field.');
  else if (nuclei.length === 0) warnings.push('No nucleus was found in this image.');
  timings.push({ stage: 'segment', ms: now() - t0 });
  progress('segment', 1);

  // 2. Per nucleus: crop at working scale → features → PCA + MLP.
  const cls = models.cls;
  // Cell mode: the single-cell (Herlev) classifier looks at the whole image, once, for the
  // primary nucleus; neighbours' nuclei are outlined but not classified.
  let herlev: HerlevPrediction | null = null;
  if (mode === 'cell' && models.cell && herlevEarly && nuclei.length) {
    checkAbort(signal);
    herlev = await herlevEarly;
    warnings.push(
      measuredNote(models.cell.fusion),
      ...framingCaveats(image, nuclei[0], cellMethod),
    );
  } else if (cls && mode === 'cell' && nuclei.length > 0)
    // Measured, not assumed: see docs/CLASSIFICATION.md ("Cross-dataset check").
    warnings.push(
      'Single-cell classification is not validated: the single-cell classifier is not loaded, and the field classifier (trained on CRIC microscope fields) flagged only 40% of abnormal Herlev cells. Treat these probabilities with extra caution.',
    );
  // No nucleus: the early classification is not shown, but its tfjs work ends inside this call.
  if (!herlev && herlevEarly) await herlevEarly.catch(() => undefined);
  const working = workingImage(image, scale);
  const out: Nucleus[] = [];
  const crops: (RgbaImage | undefined)[] = [];
  const cropAt = (i: number): RgbaImage =>
    (crops[i] ??= cropCell(
      working,
      nuclei[i].centroid.x * scale,
      nuclei[i].centroid.y * scale,
      CELL_CROP_SIZE,
    ));
  // Objects the morphometric Other gate settles alone skip the classifier (and the prefetch).
  const screen = mode === 'field' && cls ? models.screen : undefined;
  const tGate = now();
  const settled: (GateSettled | null)[] = nuclei.map((n) =>
    screen && cls ? settleByGate(screen, n.morphometrics, scale, cls.lowConfidenceBelow) : null,
  );
  if (screen) stageMs.other_gate = now() - tGate;
  // The nuclei that reach the classifier, in order; the prefetch runs ahead along this list.
  const queue = nuclei.flatMap((_, i) => (settled[i] ? [] : [i]));
  let reached = 0;
  // A field's LBP/SURF and CNN work started ahead of this loop (src/core/pipeline/field-prefetch.ts).
  const ahead = mode === 'field' && cls ? fieldPrefetch(models, cls, queue, cropAt, signal) : null;
  const runModels = ahead?.models ?? models;
  try {
    for (let i = 0; i < nuclei.length; i++) {
      checkAbort(signal);
      const n = nuclei[i];
      const early = settled[i];
      if (!early) ahead?.advance(reached);
      let probabilities: number[] | null = null;
      let label: NucleusLabel | null = null;
      let confidence: number | null = null;
      let abnormalProbability: number | null = null;
      let abnormal = false;
      let lowConfidence = false;
      const primary = mode === 'cell' ? i === 0 : undefined;
      if (!early) reached++;
      if (herlev) {
        if (primary)
          ({ probabilities, label, confidence, abnormalProbability, abnormal, lowConfidence } =
            herlev);
      } else if (early) {
        ({ probabilities, label, confidence, abnormalProbability, abnormal, lowConfidence } =
          early);
      } else if (cls && (mode === 'field' || primary)) {
        const crop = cropAt(i);
        // Field mode judges every outlined object: the Other gate and the screening threshold.
        const p =
          mode === 'field'
            ? await classifyFieldNucleus(crop, n.morphometrics, scale, runModels, stageMs)
            : await classifyCrop(crop, runModels, stageMs);
        // Dropped only now: a CNN job that starts after this loop cut the crop must get the same one.
        crops[i] = undefined;
        ({ probabilities, label, confidence, abnormalProbability, abnormal, lowConfidence } = p);
      }
      out.push({
        id: i + 1,
        contour: n.contour,
        bbox: n.bbox,
        centroid: n.centroid,
        morphometrics: n.morphometrics,
        probabilities,
        label,
        confidence,
        abnormalProbability,
        abnormal,
        lowConfidence,
        ...(primary !== undefined ? { primary } : {}),
        ...(herlev
          ? {
              herlevProbabilities: primary ? herlev.herlevProbabilities : null,
              herlevLabel: primary ? herlev.herlevLabel : null,
            }
          : {}),
      });
      progress('classify', (i + 1) / nuclei.length);
    }
  } finally {
    ahead?.stop();
  }
  for (const [stage, ms] of Object.entries(stageMs)) timings.push({ stage, ms });
  timings.push({ stage: 'total', ms: now() - tStart });
  const low = lowConfidenceWarning(out, cls?.lowConfidenceBelow ?? 0);
  if (low) warnings.push(low);
  // Cell mode: the nucleus finder searched the scale itself (unless the user set one).
  const scaleSource =
    mode === 'cell' && choice.scaleSource !== 'user'
      ? cellMethod === 'segmentation'
        ? 'auto'
        : 'default'
      : choice.scaleSource;
  if (scale !== 1 || scaleSource !== 'default')
    warnings.push(
      mode === 'cell' && scaleSource === 'auto'
        ? `The cell's nucleus was found at ×${scale.toFixed(3)} (searched over several scales).`
        : scaleNote(scale, choice),
    );
  let backend = 'none';
  try {
    backend = getBackend() ?? 'none';
  } catch {
    // tfjs not initialised (no CNN loaded): report none.
  }
  return {
    image: {
      width: image.width,
      height: image.height,
      ...(options.name ? { name: options.name } : {}),
    },
    mode,
    scale,
    scaleSource,
    modeSource: choice.modeFrom,
    nuclei: out,
    timings,
    backend,
    modelVersions: models.versions,
    warnings,
    ...(herlev ? { herlevClasses: [...HERLEV_CLASSES] } : {}),
  };
}

function scaleNote(scale: number, c: ScaleChoice): string {
  const why =
    c.scaleSource === 'user'
      ? 'set by you'
      : c.scaleSource === 'auto'
        ? `estimated from the image: typical nucleus ${c.nucleusDiameterPx.toFixed(0)} px across`
        : 'the model default; no nuclei were seen in the coarse pass';
  return `The image was rescaled by ×${scale.toFixed(3)} to the working scale (${why}).`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The low-confidence warning, or null. Objects set aside as Other are left out of counts and
 * summaries everywhere, so of this warning too (it used to count them).
 */
export function lowConfidenceWarning(
  nuclei: readonly Pick<Nucleus, 'label' | 'lowConfidence'>[],
  below: number,
): string | null {
  const counted = nuclei.filter((n) => n.label !== OTHER_CLASS);
  const low = counted.filter((n) => n.lowConfidence).length;
  return low
    ? `${low} of ${counted.length} nuclei have low-confidence predictions (top probability below ${below}).`
    : null;
}
