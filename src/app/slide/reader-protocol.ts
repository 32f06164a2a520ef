import type { SlideProbe } from './probe';

/** The slide reader worker's API (src/app/worker/slide-reader.worker.ts). */
export interface SlideReaderApi {
  /** Whether the file is a slide, an ordinary image, or a damaged slide (with the message). */
  probe(file: File): Promise<SlideProbe>;
  /** RGBA pixels of [x, x+w) × [y, y+h) at `level` (that level's coordinates), as a bitmap. */
  read(file: File, level: number, x: number, y: number, w: number, h: number): Promise<ImageBitmap>;
}
