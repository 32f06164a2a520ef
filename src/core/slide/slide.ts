import type { RgbaImage } from '../image/types';
import type { PixelSize } from './calibration';

/** One resolution level of a slide: its size and level-0 pixels per pixel of it. */
export interface SlideLevelSize {
  width: number;
  height: number;
  downsample: number;
}

/**
 * What the viewer, the gallery and the tile-by-tile analysis need of a big image, whatever its
 * file: a tiled TIFF read chunk by chunk (tiff-slide.ts) or a large JPEG/PNG decoded once and
 * held with a pyramid (raster-slide.ts).
 */
export interface Slide {
  width: number;
  height: number;
  levels: SlideLevelSize[];
  /** Level 0's pixel size as the file states it (calibration.ts), when it does. */
  pixelSize?: PixelSize;
  /** RGBA pixels of [x, x+w) × [y, y+h) at `level` (that level's coordinates); white outside. */
  readRegion(x: number, y: number, w: number, h: number, level?: number): Promise<RgbaImage>;
  /** Decoded bytes held now (tests and memory checks). */
  cachedBytes(): number;
}
