import type { AnalysisMode, AnalysisResult, Nucleus, ScaleSource } from '../../core/types';
import type { SlideProgress, SlideResult } from '../../core/slide/analyze-slide';
import type { RgbaImage } from '../../core/image/types';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What the analysis worker reports once tfjs is up. */
export interface BackendInfo {
  backend: BackendName | 'none';
  /** Human-readable adapter / renderer / thread description. */
  adapter: string;
  /** Backends tried before the one that worked, with the reason each failed. */
  fallbacks: { backend: string; reason: string }[];
  crossOriginIsolated: boolean;
  wasmThreads: number | null;
  tfjsVersion: string;
  initMs: number;
}

/** State of the trained models after the worker tried to load them. */
export interface ModelStatus {
  /** true when the full pipeline (segmentation + classifier) is ready to run. */
  ready: boolean;
  /** Plain-language explanation when not ready (shown in the UI as-is). */
  message: string;
  /** Models that are not shipped (plain sentences); the pipeline runs without them. */
  missing: string[];
  versions: Record<string, string>;
  totalBytes: number;
  loadMs: number;
}

export interface DownloadProgress {
  loaded: number;
  total: number;
  file: string;
}

export interface StageProgress {
  stage: string;
  /** 0..1 within the current image. */
  fraction: number;
}

export interface AnalyzeOptions {
  /** 'auto': decided from the image content in the worker (issue 12). */
  mode: 'auto' | AnalysisMode;
  /** The user's calibration (µm per input pixel); absent = scale estimated from the image. */
  pixelSizeUm?: number;
  /** Image name, kept in the result for exports. */
  name?: string;
}

/** A whole slide's analysis request (issue 14). */
export interface SlideAnalyzeOptions {
  name?: string;
  /** Continue after tile `startTile`, with the nuclei found before it (kept by the page). */
  resume?: { startTile: number; nuclei: Nucleus[] };
  /**
   * Set for a large JPEG/PNG (not a TIFF): its decoded levels in shared memory (the slide
   * reader's copy), or no levels when memory cannot be shared (the worker decodes the file).
   */
  raster?: { levels?: RgbaImage[] };
  /** µm per level-0 pixel set by the user; wins over the slide file's own calibration. */
  pixelSizeUm?: number;
  /** Resume: the factor the first tiles were analysed at (wins over everything). */
  scale?: { scale: number; scaleSource: ScaleSource };
}

/** One finished tile: the progress and the nuclei it added (level-0 coordinates). */
export interface SlideTileProgress {
  progress: SlideProgress;
  added: Nucleus[];
}

/**
 * A finished slide without its nuclei: the page already has every one from the tile reports, so
 * they are not sent twice (for 50,000 nuclei that copy is ~300 MB and a long main-thread task).
 * `nucleiCount` lets the page check that it has them all.
 */
export type SlideOutcome = Omit<SlideResult, 'nuclei'> & { nucleiCount: number };

/** The LBP + SURF BoF worker pool as the analysis worker sees it (Diagnostics). */
export interface DescriptorPoolInfo {
  /** Pool size (workers it may run); 0 when the inline fallback is in use. */
  size: number;
  liveWorkers: number;
  /** Cells described in the pool since the models were loaded. */
  calls: number;
  /** Cells described inline (fallback) since then. */
  inlineCalls: number;
  /** Why the pool is not used, when it failed. */
  failure: string | null;
}

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
  numDataBuffers: number;
  unreliable: boolean;
  /** null when no vocabulary is shipped (no pool). */
  descriptors?: DescriptorPoolInfo | null;
  /** Segmentation tile workers: wanted, and running with the model loaded (src/app/worker/seg-tiles.ts). */
  segTiles?: {
    wanted: number;
    ready: number;
    /** Workers that also hold the CNNs for a field's crops (null: still loading). */
    cnn: number | null;
    failure: string | null;
    /** Stopped after idleStopS seconds without an analysis (the next one starts them again). */
    idle: boolean;
    idleStopS: number;
  } | null;
}

/** The API the analysis worker exposes through comlink. */
export interface AnalysisWorkerApi {
  /**
   * `segWorkers`: segmentation tile workers wanted (?segWorkers=N); `idleStopS`: stop them after
   * this many seconds without an analysis (?idleWorkersS=N). null: the defaults.
   */
  init(
    preferred: BackendName | null,
    segWorkers?: number | null,
    idleStopS?: number | null,
  ): Promise<BackendInfo>;
  loadModels(onProgress: (p: DownloadProgress) => void): Promise<ModelStatus>;
  analyze(
    image: RgbaImage,
    options: AnalyzeOptions,
    onProgress: (p: StageProgress) => void,
  ): Promise<AnalysisResult>;
  /**
   * A whole slide, tile by tile, read from the File (never decoded whole); every finished tile is
   * reported with its nuclei so the page can show progress and resume after a cancel.
   */
  analyzeSlide(
    file: File,
    options: SlideAnalyzeOptions,
    onTile: (p: SlideTileProgress) => void,
  ): Promise<SlideOutcome>;
  /**
   * "Classify anyway": one object of a finished analysis of `image` (typically one the Other gate
   * set aside) through the full field path at the analysis' `scale`; the nucleus comes back with
   * its probabilities and `classifiedOnRequest` set.
   */
  classifySetAside(image: RgbaImage, nucleus: Nucleus, scale: number): Promise<Nucleus>;
  /**
   * The user is about to give an image (a file dragged over the page, the file picker opened):
   * helper workers stopped for idleness start now, so the image does not wait for them.
   */
  prepare(): void;
  /** Ask the running analysis to stop at its next check (cooperative). */
  cancel(): void;
  memory(): MemoryInfo;
}
