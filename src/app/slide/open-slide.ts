import { decodeImage } from '../../core/image/decode';
import { blobSource, looksLikeTiff } from '../../core/slide/byte-source';
import { rasterPyramid, rasterSlide } from '../../core/slide/raster-slide';
import type { Slide } from '../../core/slide/slide';
import { openTiffSlide } from '../../core/slide/tiff-slide';

/**
 * Open a dropped file as a slide from scratch (the reader worker, when the slide is not or no
 * longer open): a TIFF over the file itself, a large JPEG/PNG decoded again (it decoded before,
 * under the page's watchdog) with its pyramid.
 */
export async function openSlideFile(file: Blob): Promise<Slide> {
  const source = blobSource(file);
  if (looksLikeTiff(await source.read(0, 4))) return openTiffSlide(source);
  return rasterSlide(rasterPyramid(await decodeImage(await file.arrayBuffer())));
}
