/** A 2D drawing context on either an on-page canvas or an offscreen one. */
export type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** Paints a canvas's whole content (it starts blank or holding the last picture: clear it). */
export type Paint = (ctx: Ctx2D) => void;

/**
 * Shows pictures on a canvas through an `ImageBitmap` (issue 13). Chromium re-produces every
 * on-page 2D canvas's content for each frame the page commits, changed or not — with software
 * compositing (no GPU) that is a copy of the whole canvas, several ms for a 1280×960 field, on
 * each of the dozens of frames an analysis shows. A canvas fed by `transferFromImageBitmap` costs
 * nothing on frames where it did not change. Where `OffscreenCanvas` or the `bitmaprenderer`
 * context is missing, it draws on the canvas's own 2D context as before.
 */
export interface BitmapCanvas {
  /** The canvas it draws on (a new element needs a new BitmapCanvas). */
  canvas: HTMLCanvasElement;
  draw(width: number, height: number, paint: Paint): void;
}

function bitmapCanvas(canvas: HTMLCanvasElement): BitmapCanvas {
  const renderer =
    typeof OffscreenCanvas === 'undefined' ? null : canvas.getContext('bitmaprenderer');
  let offscreen: OffscreenCanvas | null = null;
  return {
    canvas,
    draw(width, height, paint) {
      // Resized only when the size changes: a resize re-allocates the backing store.
      if (canvas.width !== width) canvas.width = width;
      if (canvas.height !== height) canvas.height = height;
      if (!renderer) {
        const ctx = canvas.getContext('2d');
        if (ctx) paint(ctx);
        return;
      }
      if (!offscreen || offscreen.width !== width || offscreen.height !== height)
        offscreen = new OffscreenCanvas(width, height);
      const ctx = offscreen.getContext('2d');
      if (!ctx) return;
      paint(ctx);
      renderer.transferFromImageBitmap(offscreen.transferToImageBitmap());
    },
  };
}

/** The BitmapCanvas in `slot` for `canvas`, made anew when the element changed. */
export function bitmapCanvasFor(
  slot: { current: BitmapCanvas | null },
  canvas: HTMLCanvasElement,
): BitmapCanvas {
  if (slot.current?.canvas !== canvas) slot.current = bitmapCanvas(canvas);
  return slot.current;
}
