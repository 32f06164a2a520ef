import { readFile } from 'node:fs/promises';
import { decodeImage } from '../core/image/decode';
import type { Mask, RgbaImage } from '../core/image/types';

/** Decode an image file with the same pure-JS decoder the browser uses. */
export async function readImage(path: string): Promise<RgbaImage> {
  return decodeImage(new Uint8Array(await readFile(path)));
}

/** Read a mask image: any nonzero channel value = foreground (1). */
export async function readMask(path: string): Promise<Mask> {
  const img = await readImage(path);
  const out = new Uint8Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) {
    out[i] = img.data[4 * i] || img.data[4 * i + 1] || img.data[4 * i + 2] ? 1 : 0;
  }
  return { width: img.width, height: img.height, data: out };
}
