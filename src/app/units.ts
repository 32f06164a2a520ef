import type { AnalysisMode } from '../core/types';

/**
 * Default pixel size of a *field* at the pipeline's working scale (the CRIC 1280-px grid), in µm.
 * Estimated from CRIC's acquisition set-up (Rezende et al. 2021: Zeiss AxioCam MRc camera,
 * 6.45 µm sensor pixels, 40× objective → 0.161 µm per original 1376-px pixel; ×1376/1280 for the
 * downscaled grid ≈ 0.173 µm). An estimate: users should enter their own calibration.
 */
export const DEFAULT_WORKING_PIXEL_UM = 0.173;

/**
 * Default pixel size of a *single-cell* image: Herlev's 0.201 µm/px (Jantzen et al. 2005, as
 * cited by the paper). The segmentation model's cell-mode rescale is a model choice, not a
 * physical scale, so it is not used for µm. Crops resized by a third party differ: calibrate.
 */
export const DEFAULT_CELL_PIXEL_UM = 0.201;

/**
 * µm per *input-image* pixel. A user-entered value is the calibration of their own images and is
 * used as-is. Otherwise: cell images use the Herlev value; fields use the working-scale value
 * times `scale` (working px = input px × scale, so one input pixel spans `scale` working pixels).
 */
export function micronsPerPixel(
  mode: AnalysisMode,
  scale: number,
  userValue: number | null,
): number {
  if (userValue !== null && userValue > 0) return userValue;
  if (mode === 'cell') return DEFAULT_CELL_PIXEL_UM;
  return DEFAULT_WORKING_PIXEL_UM * (scale > 0 ? scale : 1);
}

export function areaUm2(areaPx: number, umPerPx: number): number {
  return areaPx * umPerPx * umPerPx;
}
