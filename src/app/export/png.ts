import type { AnalysisResult } from '../../core/types';
import type { RgbaImage } from '../../core/image/types';
import { drawContours } from '../draw';

/** The image at full resolution with the contour overlay burnt in, as a PNG blob. */
export async function overlayPng(
  image: RgbaImage,
  result: AnalysisResult | undefined,
  opacity: number,
): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw the export image.');
  ctx.putImageData(
    new ImageData(new Uint8ClampedArray(image.data), image.width, image.height),
    0,
    0,
  );
  if (result && opacity > 0) {
    ctx.globalAlpha = opacity;
    drawContours(ctx, result.nuclei, {
      lineWidth: Math.max(1, Math.max(image.width, image.height) / 640),
    });
    ctx.globalAlpha = 1;
  }
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('The PNG could not be created.'))),
      'image/png',
    ),
  );
}
