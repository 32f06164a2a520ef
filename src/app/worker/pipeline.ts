import {
  analyze,
  AnalysisCancelledError,
  loadModels,
  type PipelineModels,
} from '../../core/analyze';
import type { AnalysisResult } from '../../core/types';
import type { RgbaImage } from '../../core/image/types';
import type { ModelSource } from '../../models/source';
import { startDescriptors, type AppDescriptors } from './descriptors';
import { analyzeSlide } from '../../core/slide/analyze-slide';
import { blobSource } from '../../core/slide/byte-source';
import { openTiffSlide } from '../../core/slide/tiff-slide';
import { rasterSlide } from '../../core/slide/raster-slide';
import { segTileWorkerCount, shareSegTilesInApp } from './seg-tiles';
import { shareDeepFeatures, type SegTileWorkers } from '../../workers/seg-tiles';
import { DEFAULT_IDLE_STOP_MS, idleStopped, type IdleStopped } from './idle-stop';
import { decodeImage } from '../../core/image/decode';
import type { Nucleus } from '../../core/types';
import { throttleProgress } from './throttle-progress';
import { classifySetAside } from '../../core/pipeline/classify-set-aside';
import type {
  AnalyzeOptions,
  DescriptorPoolInfo,
  MemoryInfo,
  SlideAnalyzeOptions,
  SlideOutcome,
  SlideTileProgress,
  StageProgress,
} from './protocol';

/** A loaded, ready-to-run pipeline (segmentation + features + classifier). */
export interface Pipeline {
  versions: Record<string, string>;
  /** Plain sentences naming the models that are not shipped (the rest still runs). */
  missing: string[];
  run(
    image: RgbaImage,
    options: AnalyzeOptions,
    onProgress: (p: StageProgress) => void,
    signal: AbortSignal,
  ): Promise<AnalysisResult>;
  /** A whole slide tile by tile, with the same models (src/core/slide/analyze-slide.ts). */
  runSlide(
    file: File,
    options: SlideAnalyzeOptions,
    onTile: (p: SlideTileProgress) => void,
    signal: AbortSignal,
  ): Promise<SlideOutcome>;
  /** "Classify anyway" for one object (src/core/pipeline/classify-set-aside.ts). */
  classifySetAside(image: RgbaImage, nucleus: Nucleus, scale: number): Promise<Nucleus>;
  /** An image is probably coming: start the helpers if they were stopped for idleness. */
  prepare(): void;
  /** The descriptor worker pool (null when no vocabulary is shipped). */
  descriptors(): DescriptorPoolInfo | null;
  segTiles(): NonNullable<MemoryInfo['segTiles']>;
  dispose(): void;
}

/**
 * Images of more than one 512² tile use the helpers (tiles, then the crops' CNNs). When one
 * arrives while they are still starting (right after the page opened, or after an idle stop),
 * it waits for them: their start-up takes both cores for ~1.5 s, and an analysis run beside it
 * was slower than waiting (docs/PERFORMANCE.md, *The first image*). Smaller images (single
 * cells) start at once. Never more than HELPER_START_WAIT_MS.
 */
export const WAITS_FOR_HELPERS_ABOVE_PX = 512 * 512;
export const HELPER_START_WAIT_MS = 8000;

export const NO_MODEL_MESSAGE =
  'No trained model is present in this build, so images can be viewed but not analysed.';

/** Load the pipeline, or return a plain-language reason why it cannot run at all. */
export async function loadPipeline(
  source: ModelSource,
  versions: Record<string, string>,
  /** Segmentation tile workers wanted (?segWorkers=N); null: one per core on WASM. */
  segWorkers: number | null = null,
  /** Stop them after this long without an analysis (?idleWorkersS=N). */
  idleStopMs: number = DEFAULT_IDLE_STOP_MS,
): Promise<Pipeline | string> {
  const models: PipelineModels = await loadModels(source, { classifier: true });
  // Segmentation alone still outlines and measures nuclei; a classifier alone still classifies
  // a single-cell image. With neither there is nothing to run.
  if (!models.seg && !models.cls) {
    models.dispose();
    return `${NO_MODEL_MESSAGE} (${models.missing.join('; ')})`;
  }
  // LBP + SURF BoF run in the descriptor worker pool (issue 4), in parallel with the CNNs.
  let descriptors: AppDescriptors | null = null;
  if (models.vocabulary) {
    descriptors = await startDescriptors(models.vocabulary);
    models.extractors.handcrafted = descriptors.hook;
  }
  // Large images' tiles shared with copies of the network in nested workers (WASM only).
  const segTileCount = segTileWorkerCount(segWorkers);
  // Then the CNNs in the same workers, for a field's crops (null until settled). Started now, in
  // the background; stopped after idleStopMs without an analysis and started again by the next.
  let cnnCopies: number | null = null;
  const helpers: IdleStopped<SegTileWorkers | null> | null =
    segTileCount > 0 && models.seg?.shareTiles
      ? idleStopped(
          async () => {
            cnnCopies = null;
            const w = await shareSegTilesInApp(models, source, segTileCount);
            cnnCopies = await shareDeepFeatures(models, source, w).catch(() => 0);
            return w;
          },
          (w) => {
            models.seg?.shareTiles?.([]);
            models.extractors.deepHelpers = [];
            cnnCopies = null;
            w?.terminate();
          },
          idleStopMs,
        )
      : null;
  const busy = async <T>(work: () => Promise<T>): Promise<T> => {
    helpers?.begin();
    try {
      return await work();
    } finally {
      helpers?.end();
    }
  };
  return {
    versions: { ...versions, ...models.versions },
    missing: models.missing,
    async run(image, options, onProgress, signal) {
      let waitedMs = 0;
      const result = await busy(async () => {
        if (
          helpers?.state() === 'starting' &&
          image.width * image.height > WAITS_FOR_HELPERS_ABOVE_PX
        ) {
          const t = performance.now();
          onProgress({ stage: 'helpers', fraction: 0 });
          // Cancel ends the wait at once.
          let onAbort = (): void => undefined;
          await Promise.race([
            helpers.started(HELPER_START_WAIT_MS),
            new Promise<void>((resolve) => {
              onAbort = () => resolve();
              signal.addEventListener('abort', onAbort, { once: true });
            }),
          ]);
          signal.removeEventListener('abort', onAbort);
          waitedMs = performance.now() - t;
          if (signal.aborted) throw new AnalysisCancelledError();
        }
        return analyze(image, models, {
          mode: options.mode,
          name: options.name,
          pixelSizeUm: options.pixelSizeUm,
          signal,
          onProgress: throttleProgress(onProgress),
        });
      });
      // Not in `total` (the pipeline's own time): shown apart so Diagnostics explains the wall time.
      if (waitedMs > 0) result.timings.unshift({ stage: 'helpers_start_wait', ms: waitedMs });
      const failure = descriptors?.failure();
      if (failure)
        result.warnings.push(
          `The descriptor workers are not available (${failure}); LBP and SURF were computed in the analysis worker instead (same results, slower).`,
        );
      return result;
    },
    async runSlide(file, options, onTile, signal) {
      // A TIFF is read over the File itself: only the tiles under each region are decoded. A
      // large JPEG/PNG is the reader's shared copy, or (no shared memory) decoded here once.
      const slide = options.raster
        ? rasterSlide(options.raster.levels ?? [await decodeImage(await file.arrayBuffer())])
        : await openTiffSlide(blobSource(file));
      let added: Nucleus[] = [];
      const result = await busy(() =>
        analyzeSlide(slide, models, {
          name: options.name,
          pixelSizeUm: options.pixelSizeUm,
          scale: options.scale,
          resume: options.resume,
          // The page keeps every nucleus from the tile reports (for Resume): not held twice.
          keepNuclei: false,
          signal,
          onTile: (_t, found) => (added = found),
          onProgress: (progress) => onTile({ progress, added }),
        }),
      );
      const failure = descriptors?.failure();
      if (failure)
        result.warnings.push(
          `The descriptor workers are not available (${failure}); LBP and SURF were computed in the analysis worker instead (same results, slower).`,
        );
      // The nuclei went to the page tile by tile; only the rest of the result goes back.
      const { nuclei: _none, ...rest } = result;
      return { ...rest, nucleiCount: result.slide.nuclei };
    },
    // Not `busy`: one object is classified on this thread (the helpers serve only a field's
    // prefetch), so helpers stopped for idleness are not restarted for it (2–3 s of both cores).
    classifySetAside: (image, nucleus, scale) => classifySetAside(image, nucleus, scale, models),
    prepare: () => helpers?.wake(),
    descriptors: () => descriptors?.info() ?? null,
    segTiles: () => ({
      wanted: segTileCount,
      ready: helpers?.current()?.helpers.length ?? 0,
      cnn: segTileCount === 0 ? 0 : cnnCopies,
      failure: helpers?.current()?.failure() ?? null,
      idle: helpers?.state() === 'stopped' && helpers.idleStops() > 0,
      idleStopS: idleStopMs / 1000,
    }),
    dispose: () => {
      descriptors?.terminate();
      helpers?.dispose();
      models.dispose();
    },
  };
}
