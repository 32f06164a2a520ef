import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { encode } from 'fast-png';
import { REPO_ROOT } from '../src/data/paths';

/** A synthetic pale "smear" with dark round blobs: a valid image, not a real cell. */
export function syntheticPng(width = 320, height = 240): Buffer {
  const data = new Uint8Array(width * height * 4);
  const blobs = [
    [80, 80, 18],
    [200, 120, 22],
    [140, 190, 15],
  ];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let v = 225;
      for (const [cx, cy, r] of blobs) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) v = 70;
      const i = (y * width + x) * 4;
      data[i] = v;
      data[i + 1] = v - 10;
      data[i + 2] = v + 15 > 255 ? 255 : v + 15;
      data[i + 3] = 255;
    }
  return Buffer.from(encode({ width, height, data, channels: 4 }));
}

export interface ShippedManifest {
  version: string;
  files: { path: string; bytes: number; sha256: string }[];
}

/** Whether this build ships trained models (public/models/manifest.json lists files). */
export function shippedModels(): ShippedManifest | null {
  const p = join(REPO_ROOT, 'public', 'models', 'manifest.json');
  if (!existsSync(p)) return null;
  const m = JSON.parse(readFileSync(p, 'utf8')) as ShippedManifest;
  return m.files?.length ? m : null;
}

/** Whether the shipped manifest lists `path` (a folder when it ends in '/': any file under it). */
export function ships(path: string): boolean {
  const m = shippedModels();
  return !!m?.files.some((f) => (path.endsWith('/') ? f.path.startsWith(path) : f.path === path));
}

export const NO_MODELS_MESSAGE =
  'skipped: public/models/manifest.json lists no trained models yet (the model-dependent checks run once models are shipped)';

/** Collect console errors and uncaught page errors (workers included where Chromium reports them). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('worker', (w) =>
    w.on('console', (msg) => msg.type() === 'error' && errors.push(`worker: ${msg.text()}`)),
  );
  return errors;
}

/** Wait until tfjs has a backend and the model phase is settled (ready, or "no model"). */
export async function waitForEngine(page: Page): Promise<string> {
  const backend = page.getByTestId('backend');
  await expect(backend).not.toHaveAttribute('data-backend', '', { timeout: 60_000 });
  await expect(page.getByTestId('status')).toHaveAttribute(
    'data-state',
    /^(ready|no-model|done)$/,
    {
      timeout: 120_000,
    },
  );
  return (await backend.getAttribute('data-backend')) ?? '';
}

/** Wait for the selected image to finish (analysed, viewed without a model, or failed). */
export async function waitForImage(page: Page, timeout = 120_000): Promise<string> {
  const viewer = page.getByTestId('viewer');
  await expect(viewer).toHaveAttribute('data-status', /^(done|viewed|error)$/, { timeout });
  return (await viewer.getAttribute('data-status')) ?? '';
}

/**
 * A canvas as shown, read in the page through a 2D copy (the viewer's canvases show ImageBitmaps,
 * which have no 2D context): its size, the RGBA of the given pixels, and how many pixels are not
 * transparent.
 */
export async function canvasPixels(
  page: Page,
  testId: string,
  points: [number, number][] = [],
): Promise<{ width: number; height: number; at: number[][]; opaque: number }> {
  return page.getByTestId(testId).evaluate((c: HTMLCanvasElement, pts) => {
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const ctx = copy.getContext('2d');
    if (!ctx) return { width: 0, height: 0, at: [], opaque: 0 };
    ctx.drawImage(c, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let opaque = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) opaque++;
    const at = pts.map(([x, y]) =>
      Array.from(d.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 4)),
    );
    return { width: c.width, height: c.height, at, opaque };
  }, points);
}

/** Count overlay pixels that are not transparent (contours actually drawn). */
export async function overlayPixelCount(page: Page): Promise<number> {
  return (await canvasPixels(page, 'overlay')).opaque;
}
