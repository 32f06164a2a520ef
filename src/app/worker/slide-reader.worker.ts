/// <reference lib="webworker" />
// The slide reader: opens big TIFFs over the dropped File (only the bytes of the tiles needed are
// read) and holds large JPEG/PNG images decoded once, for the viewer's tiles and the gallery's
// crops. Its own worker, so that the viewer stays quick while the analysis worker is busy with a
// tile (issue 14).
import * as Comlink from 'comlink';
import type { RgbaImage } from '../../core/image/types';
import { blobSource } from '../../core/slide/byte-source';
import { probeSlide, slideInfo } from '../../core/slide/probe-slide';
import {
  rasterPyramid,
  rasterSlide,
  plainAlloc,
  type PixelAlloc,
} from '../../core/slide/raster-slide';
import type { Slide } from '../../core/slide/slide';
import { openSlideFile } from '../slide/open-slide';
import type { SlideReaderApi } from '../slide/reader-protocol';

/** Open slides, by file identity; two at most (a TIFF holds a small tile cache, a JPEG/PNG its pixels). */
const open = new Map<string, Promise<Slide>>();
const MAX_OPEN = 2;

function keyOf(file: File): string {
  return `${file.name}|${file.size}|${file.lastModified}`;
}

function remember(key: string, s: Promise<Slide>): Promise<Slide> {
  s.catch(() => open.delete(key));
  open.set(key, s);
  if (open.size > MAX_OPEN) open.delete(open.keys().next().value as string);
  return s;
}

function slideOf(file: File): Promise<Slide> {
  return open.get(keyOf(file)) ?? remember(keyOf(file), openSlideFile(file));
}

/** Shared memory where the page is cross-origin isolated: the analysis worker reads the same copy. */
const shared = typeof SharedArrayBuffer !== 'undefined' && self.crossOriginIsolated;
const sharedAlloc: PixelAlloc = (length) => new Uint8ClampedArray(new SharedArrayBuffer(length));

const api: SlideReaderApi = {
  probe: (file) => probeSlide(blobSource(file)),
  openRaster(file, image) {
    const alloc = shared ? sharedAlloc : plainAlloc;
    let level0: RgbaImage = image;
    if (shared) {
      level0 = { width: image.width, height: image.height, data: alloc(image.data.length) };
      level0.data.set(image.data);
    }
    const levels = rasterPyramid(level0, alloc);
    const slide = rasterSlide(levels);
    void remember(keyOf(file), Promise.resolve(slide));
    // Shared buffers go to the page without a copy; plain ones would be copied, so the analysis
    // worker decodes the file itself instead.
    return Promise.resolve({ info: slideInfo(slide), levels: shared ? levels : undefined });
  },
  closeAll() {
    open.clear();
  },
  async read(file, level, x, y, w, h) {
    const slide = await slideOf(file);
    const img = await slide.readRegion(x, y, w, h, level);
    const bitmap = await createImageBitmap(
      new ImageData(new Uint8ClampedArray(img.data.buffer as ArrayBuffer), img.width, img.height),
    );
    return Comlink.transfer(bitmap, [bitmap]);
  },
};

Comlink.expose(api);
