import type { AnalysisMode, AnalysisResult } from '../../core/types';
import type { RgbaImage } from '../../core/image/types';

/** What an analysis worker thread of the CLI exposes (through Comlink). */
export interface CliAnalysisWorkerApi {
  /** Start tfjs and load the models from `modelsDir` (default: the shipped ones). */
  init(modelsDir: string | undefined): Promise<void>;
  analyze(image: RgbaImage, mode: 'auto' | AnalysisMode, name: string): Promise<AnalysisResult>;
  dispose(): void;
}
