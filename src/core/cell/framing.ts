import type { RgbaImage } from '../image/types';
import type { SegNucleus } from '../pipeline/models';

/**
 * What the single-cell classifier was validated on: Herlev images padded to a square around one
 * cell, the primary nucleus near the centre, its equivalent diameter a bounded fraction of the
 * image side. Ranges measured on every 4th Herlev TRAIN cell (136 cells) with
 * `npx tsx scripts/cell-nucleus-check.ts --parts train --every 4 --skip-sd`: nucleus diameter ÷
 * long side p1 0.044 / median 0.43 / p99 0.79; centre offset ÷ long side median 0.08, p95 0.19,
 * p99 0.23. Outside these ranges the class probabilities come with a specific caveat.
 */
export const VALIDATED_FRAMING = {
  /** ≈ p1 / p99 of nucleus equivalent diameter ÷ image long side on Herlev train. */
  nucleusFraction: [0.04, 0.8] as const,
  /** ≈ p99 of the nucleus centre's distance from the image centre, ÷ long side. */
  maxCentreOffset: 0.23,
  /** Longest side ÷ shortest side (Herlev images are square after padding). */
  maxAspect: 2,
  /** Image sides validated: Herlev cells are 200 or 224 px; below this detail is lost. */
  minSide: 64,
};

/** A nucleus's equivalent diameter ÷ the image's long side (bounded by VALIDATED_FRAMING). */
export function nucleusFraction(nucleus: SegNucleus, image: RgbaImage): number {
  const long = Math.max(image.width, image.height);
  return Math.sqrt((4 * nucleus.morphometrics.areaPx) / Math.PI) / long;
}

/** Caveats for a single-cell image framed unlike the validated Herlev cells (empty if none). */
export function framingCaveats(
  image: RgbaImage,
  primary: SegNucleus,
  method: 'segmentation' | 'fallback' | null,
): string[] {
  const out: string[] = [];
  const long = Math.max(image.width, image.height);
  const short = Math.min(image.width, image.height);
  const v = VALIDATED_FRAMING;
  if (method === 'fallback')
    out.push(
      'The single-cell classification is less certain here: the nucleus was not found by the segmentation model, so this image may be framed or stained unlike the validated Herlev cells.',
    );
  const d = nucleusFraction(primary, image);
  if (Number.isFinite(d) && (d < v.nucleusFraction[0] || d > v.nucleusFraction[1]))
    out.push(
      `The nucleus spans ${(100 * d).toFixed(0)}% of the image side, outside the ${(100 * v.nucleusFraction[0]).toFixed(0)}–${(100 * v.nucleusFraction[1]).toFixed(0)}% of the Herlev cells the single-cell classifier was validated on; crop the image closer to one cell (or less tightly) for a validated result.`,
    );
  const off =
    Math.hypot(primary.centroid.x - image.width / 2, primary.centroid.y - image.height / 2) / long;
  if (off > v.maxCentreOffset)
    out.push(
      `The nucleus is off-centre (${(100 * off).toFixed(0)}% of the side from the centre); the single-cell classifier was validated on cells centred in the image.`,
    );
  if (long / short > v.maxAspect)
    out.push(
      `The image is elongated (${image.width}×${image.height}); the single-cell classifier was validated on square cell images and pads this one, which shrinks the cell.`,
    );
  if (short < v.minSide)
    out.push(
      `The image is small (${image.width}×${image.height}); the single-cell classifier was validated on 200–224 px cell images, so fine detail may be missing.`,
    );
  return out;
}
