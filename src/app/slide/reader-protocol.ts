import type { RgbaImage } from '../../core/image/types';
import type { SlideInfo, SlideProbe } from '../../core/slide/probe-slide';

/** The slide reader worker's API (src/app/worker/slide-reader.worker.ts). */
export interface SlideReaderApi {
  /** Whether the file is a slide, a large JPEG/PNG, an ordinary image, or a damaged slide. */
  probe(file: File): Promise<SlideProbe>;
  /**
   * Hold a large JPEG/PNG (decoded by the page's decode worker, transferred) as a slide with a
   * pyramid. `levels` are in shared memory (for the analysis worker) when the page is
   * cross-origin isolated, else undefined.
   */
  openRaster(file: File, image: RgbaImage): Promise<{ info: SlideInfo; levels?: RgbaImage[] }>;
  /** Let go of every open slide (the page cleared its images). */
  closeAll(): void;
  /** RGBA pixels of [x, x+w) × [y, y+h) at `level` (that level's coordinates), as a bitmap. */
  read(file: File, level: number, x: number, y: number, w: number, h: number): Promise<ImageBitmap>;
}
