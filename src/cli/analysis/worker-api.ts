import type { AnalysisMode, AnalysisResult } from '../../core/types';
import type { RgbaImage } from '../../core/image/types';

/** The user's scale (`--scale`) or pixel size (`--pixel-size`); absent = automatic. */
export interface ScaleOptions {
  scale?: number;
  pixelSizeUm?: number;
}

/** What `paplens analyze` asks of one image besides its mode. */
export interface CliAnalyzeOptions extends ScaleOptions {
  /** `--classify-set-aside`: classify the objects the Other gate settled too ("Classify anyway"). */
  classifySetAside?: boolean;
}

/** What an analysis worker thread of the CLI exposes (through Comlink). */
export interface CliAnalysisWorkerApi {
  /** Start tfjs and load the models from `modelsDir` (default: the shipped ones). */
  init(modelsDir: string | undefined): Promise<void>;
  analyze(
    image: RgbaImage,
    mode: 'auto' | AnalysisMode,
    name: string,
    options?: CliAnalyzeOptions,
  ): Promise<AnalysisResult>;
  dispose(): void;
}
