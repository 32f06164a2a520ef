/// <reference lib="webworker" />
// The slide reader: opens big TIFFs over the dropped File (only the bytes of the tiles needed are
// read) for the viewer's tiles and the gallery's crops. Its own worker, so that the viewer stays
// quick while the analysis worker is busy with a tile (issue 14).
import * as Comlink from 'comlink';
import { blobSource } from '../../core/slide/byte-source';
import { openTiffSlide, type TiffSlide } from '../../core/slide/tiff-slide';
import { probeSlide } from '../slide/probe';
import type { SlideReaderApi } from '../slide/reader-protocol';

/** Open slides, by file identity; two at most (each holds its own small tile cache). */
const open = new Map<string, Promise<TiffSlide>>();
const MAX_OPEN = 2;

function keyOf(file: File): string {
  return `${file.name}|${file.size}|${file.lastModified}`;
}

function slideOf(file: File): Promise<TiffSlide> {
  const key = keyOf(file);
  let s = open.get(key);
  if (!s) {
    s = openTiffSlide(blobSource(file));
    s.catch(() => open.delete(key));
    open.set(key, s);
    if (open.size > MAX_OPEN) open.delete(open.keys().next().value as string);
  }
  return s;
}

const api: SlideReaderApi = {
  probe: (file) => probeSlide(blobSource(file)),
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
