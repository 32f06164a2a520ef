import type { AnalysisMode, AnalysisResult } from '../../core/types';
import type { RgbaImage } from '../../core/image/types';

/** The user's scale (`--scale`) or pixel size (`--pixel-size`); absent = automatic. */
export interface ScaleOptions {
  scale?: number;
  pixelSizeUm?: number;
}

/** What an analysis worker thread of the CLI exposes (through Comlink). */
export interface CliAnalysisWorkerApi {
  /** Start tfjs and load the models from `modelsDir` (default: the shipped ones). */
  init(modelsDir: string | undefined): Promise<void>;
  analyze(
    image: RgbaImage,
    mode: 'auto' | AnalysisMode,
    name: string,
    scale?: ScaleOptions,
  ): Promise<AnalysisResult>;
  dispose(): void;
}
