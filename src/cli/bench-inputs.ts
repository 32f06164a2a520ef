import type { RgbaImage } from '../core/image/types';
import { mulberry32 } from '../core/util/random';

/**
 * A seeded synthetic 1280×960 "field" (pale background, 40 dark round blobs) used by the Node and
 * browser benches when ../shared is absent, so both time the same input.
 */
export function syntheticBenchField(): RgbaImage {
  const w = 1280;
  const h = 960;
  const r = mulberry32(11);
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++)
    data.set([215 + r() * 20, 205 + r() * 20, 220 + r() * 20, 255], 4 * i);
  for (let k = 0; k < 40; k++) {
    const cx = 40 + r() * (w - 80);
    const cy = 40 + r() * (h - 80);
    const rad = 8 + r() * 12;
    for (let y = Math.floor(cy - rad); y <= cy + rad; y++)
      for (let x = Math.floor(cx - rad); x <= cx + rad; x++)
        if ((x - cx) ** 2 + (y - cy) ** 2 <= rad * rad)
          data.set([80 + r() * 30, 60 + r() * 30, 120 + r() * 30, 255], 4 * (y * w + x));
  }
  return { width: w, height: h, data };
}
