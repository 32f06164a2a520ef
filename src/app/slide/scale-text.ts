import { WORKING_PIXEL_UM } from '../../core/pipeline/scale-choice';
import type { PixelSize } from '../../core/slide/calibration';
import { statedSlideScale } from '../../core/slide/slide-scale';
import type { ScaleSource } from '../../core/types';

/**
 * The slide summary's line on scale: the factor the tiles were (or are being) analysed at and
 * where it came from; before a run, what the user or the file states, else that it will be
 * estimated from the slide's nuclei.
 */
export function slideScaleText(
  slide: { pixelSize?: PixelSize },
  applied: { scale: number; scaleSource: ScaleSource } | null,
  setting: number | null,
): string {
  const s = applied ?? statedSlideScale(slide, setting ?? undefined);
  const um = (f: number): number => +(f * WORKING_PIXEL_UM).toPrecision(3);
  const hint = "Enter the scanner's pixel size under View & settings if you know it.";
  if (!s)
    return `The file states no pixel size: the scale will be estimated from the nuclei of a few sample windows when the analysis starts. ${hint}`;
  const factor = `every tile at ×${s.scale.toFixed(2)} to the working scale.`;
  switch (s.scaleSource) {
    case 'user':
      return `Pixel size ${um(s.scale)} µm (yours): ${factor}`;
    case 'file':
      return `Pixel size ${slide.pixelSize?.um.toFixed(3) ?? um(s.scale)} µm (from the file, ${slide.pixelSize?.from ?? 'its calibration'}): ${factor}`;
    case 'auto':
      return `The file states no pixel size: about ${um(s.scale)} µm, estimated from the nuclei of sample windows; ${factor} ${hint}`;
    default:
      return `The file states no pixel size and no nuclei were found to estimate it: tiles at the working scale (×1, about ${WORKING_PIXEL_UM} µm per pixel). ${hint}`;
  }
}
