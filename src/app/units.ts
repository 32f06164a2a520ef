/**
 * Default pixel size at the pipeline's working scale (the CRIC 1280-px field grid), in µm.
 * Estimated from CRIC's acquisition set-up (Rezende et al. 2021: Zeiss AxioCam MRc camera,
 * 6.45 µm sensor pixels, 40× objective → 0.161 µm per original 1376-px pixel; ×1376/1280 for the
 * downscaled grid ≈ 0.173 µm). It is an estimate: users should enter their own calibration.
 */
export const DEFAULT_WORKING_PIXEL_UM = 0.173;

/**
 * µm per *input-image* pixel. `scale` is the factor the pipeline applied to reach the working
 * scale (working px = input px × scale), so one input pixel spans `scale` working pixels.
 * A user-entered value is the calibration of their own image and is used as-is.
 */
export function micronsPerPixel(scale: number, userValue: number | null): number {
  if (userValue !== null && userValue > 0) return userValue;
  return DEFAULT_WORKING_PIXEL_UM * (scale > 0 ? scale : 1);
}

export function areaUm2(areaPx: number, umPerPx: number): number {
  return areaPx * umPerPx * umPerPx;
}
