import { boxSum, integralImage } from '../features/surf/integral';
import { distanceTransform } from '../segment/postprocess';

/**
 * How much darker a blob is than the ring of pixels around it (grey 0–1; > 0 = darker). The ring
 * is as wide as the blob's equivalent radius (at least 2 px), clipped to the image. A nucleus is
 * visibly darker than the cytoplasm around it; the darkest patch of an empty background or of
 * noise is not — which is what tells a single-cell image with a hard-to-segment nucleus from an
 * image with no cell in it (src/core/cell/primary-nucleus.ts).
 */
export function ringContrast(
  grey: Float32Array,
  labels: Int32Array,
  label: number,
  width: number,
  height: number,
): number {
  const outside = new Uint8Array(width * height);
  let area = 0;
  let inside = 0;
  for (let i = 0; i < outside.length; i++) {
    if (labels[i] === label) {
      area++;
      inside += grey[i];
    } else outside[i] = 1;
  }
  if (area === 0 || area === outside.length) return 0;
  const ring = Math.max(2, Math.sqrt(area / Math.PI));
  // Distance of every pixel outside the blob to the blob.
  const dist = distanceTransform(outside, width, height);
  let around = 0;
  let n = 0;
  for (let i = 0; i < outside.length; i++)
    if (outside[i] && dist[i] <= ring) {
      around += grey[i];
      n++;
    }
  return n === 0 ? 0 : around / n - inside / area;
}

/**
 * Mean over the (2r+1)² box around each pixel (edges replicated). Camera noise thresholded on an
 * empty background leaves ragged clusters one or two pixels wide that are a few grey levels
 * darker than their surroundings; averaged over 5×5 (r = 2) their contrast vanishes, while a
 * nucleus's barely changes.
 */
export function boxSmooth(
  grey: Float32Array,
  width: number,
  height: number,
  r: number,
): Float32Array {
  const ii = integralImage({ width, height, data: grey }, r);
  const side = 2 * r + 1;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      out[y * width + x] = boxSum(ii, x - r, y - r, side, side) / (side * side);
  return out;
}
