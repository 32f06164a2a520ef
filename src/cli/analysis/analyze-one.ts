import { analyze, type PipelineModels } from '../../core/analyze';
import type { RgbaImage } from '../../core/image/types';
import { classifyEverySetAside } from '../../core/pipeline/classify-set-aside';
import type { AnalysisMode, AnalysisResult } from '../../core/types';
import type { CliAnalyzeOptions } from './worker-api';

/** One image as `paplens analyze` runs it, in this thread or on a pool thread (same code). */
export async function analyzeOne(
  image: RgbaImage,
  models: PipelineModels,
  mode: 'auto' | AnalysisMode,
  name: string,
  options: CliAnalyzeOptions = {},
): Promise<AnalysisResult> {
  const r = await analyze(image, models, {
    mode,
    name,
    scale: options.scale,
    pixelSizeUm: options.pixelSizeUm,
  });
  return options.classifySetAside ? classifyEverySetAside(image, r, models) : r;
}
