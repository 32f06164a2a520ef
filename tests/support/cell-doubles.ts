import type { RgbaImage } from '../../src/core/image/types';
import type { SegAdapter, SegNucleus } from '../../src/core/pipeline/models';
import { instanceStats } from '../../src/core/segment/postprocess';

/** A light background, a paler "cytoplasm" disc and dark "nuclei" discs (radius in px). */
export function cellImage(
  w: number,
  h: number,
  nuclei: { x: number; y: number; r: number }[],
  cyto?: { x: number; y: number; r: number },
): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = [225, 215, 230];
      if (cyto && (x - cyto.x) ** 2 + (y - cyto.y) ** 2 <= cyto.r ** 2) v = [190, 175, 205];
      for (const n of nuclei) if ((x - n.x) ** 2 + (y - n.y) ** 2 <= n.r ** 2) v = [90, 60, 130];
      const o = 4 * (y * w + x);
      data.set([v[0], v[1], v[2], 255], o);
    }
  return { width: w, height: h, data };
}

/**
 * Stand-in segmentation: dark pixels, labelled by connected component (any scale). `sides` (if
 * given) records the working-scale long side of every call.
 */
export function thresholdSeg(sides?: number[]): SegAdapter {
  return {
    version: 'threshold',
    dispose: () => undefined,
    async segment(image, _mode, scale = 1) {
      sides?.push(Math.round(scale * Math.max(image.width, image.height)));
      const { width: w, height: h } = image;
      const labels = new Int32Array(w * h);
      const grey = new Float32Array(w * h);
      for (let i = 0; i < w * h; i++) grey[i] = image.data[4 * i] / 255;
      let n = 0;
      for (let i = 0; i < w * h; i++) {
        if (grey[i] >= 0.5 || labels[i]) continue;
        n++;
        const stack = [i];
        labels[i] = n;
        while (stack.length) {
          const p = stack.pop()!;
          const x = p % w;
          const y = (p - x) / w;
          for (const [dx, dy] of [
            [1, 0],
            [-1, 0],
            [0, 1],
            [0, -1],
          ]) {
            const q = (y + dy) * w + x + dx;
            if (x + dx < 0 || y + dy < 0 || x + dx >= w || y + dy >= h) continue;
            if (grey[q] < 0.5 && !labels[q]) {
              labels[q] = n;
              stack.push(q);
            }
          }
        }
      }
      const nuclei: SegNucleus[] = instanceStats(labels, n, w, h, grey);
      return { width: w, height: h, labels, nuclei, scale };
    },
  };
}
