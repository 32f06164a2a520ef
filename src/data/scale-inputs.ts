import { cropRgba, resizeRgba } from '../core/image/ops';
import type { RgbaImage } from '../core/image/types';

/**
 * Issue 12's "Done when" inputs made from a CRIC field and its labelled nucleus centres: a crop
 * around the densest labelled spot and an upscale. Used by scripts/scale-done-when.ts and the
 * CLI and app tests of the same inputs, so all three measure the same images.
 */
export interface PointedImage {
  image: RgbaImage;
  /** Labelled nucleus centres inside `image`, in its pixels. */
  points: [number, number][];
}

/**
 * A side² crop centred on the labelled point with the most labelled neighbours within side/2;
 * `origin`: its top-left corner in the field.
 */
export function densestCrop(
  img: RgbaImage,
  pts: readonly { x: number; y: number }[],
  side = 256,
): PointedImage & { origin: [number, number] } {
  const h = side / 2;
  const near = (p: { x: number; y: number }): number =>
    pts.filter((q) => Math.abs(q.x - p.x) < h && Math.abs(q.y - p.y) < h).length;
  const best = pts.reduce((a, b) => (near(b) > near(a) ? b : a), pts[0]);
  const x0 = Math.max(0, Math.min(img.width - side, Math.round(best.x - h)));
  const y0 = Math.max(0, Math.min(img.height - side, Math.round(best.y - h)));
  return {
    image: cropRgba(img, x0, y0, side, side),
    origin: [x0, y0],
    points: pts
      .map((p): [number, number] => [p.x - x0, p.y - y0])
      .filter(([x, y]) => x >= 0 && y >= 0 && x < side && y < side),
  };
}

/** The field resized (bilinear, as the app) so that its longer side is `longSide` px. */
export function upscaled(
  img: RgbaImage,
  pts: readonly { x: number; y: number }[],
  longSide = 2048,
): PointedImage & { factor: number } {
  const k = longSide / Math.max(img.width, img.height);
  return {
    image: resizeRgba(img, Math.round(img.width * k), Math.round(img.height * k)),
    points: pts.map((p): [number, number] => [p.x * k, p.y * k]),
    factor: k,
  };
}
