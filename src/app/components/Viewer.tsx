import { useCallback, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import type { Nucleus } from '../../core/types';
import { bitmapCanvasFor, type BitmapCanvas } from '../bitmap-canvas';
import { drawContours } from '../draw';
import { useStore, type ImageItem } from '../store';
import { usePanZoom } from './use-pan-zoom';

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 32;

/** Overlay canvas supersampling: small crops get a finer overlay so contours stay smooth. */
function overlayFactor(w: number, h: number): number {
  return Math.max(1, Math.min(8, Math.floor(2048 / Math.max(w, h))));
}

export function Viewer({ item }: { item: ImageItem }) {
  const image = item.image;
  const result = item.result;
  const baseRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const overlayVisible = useStore((s) => s.overlayVisible);
  const overlayOpacity = useStore((s) => s.overlayOpacity);
  const showOther = useStore((s) => s.showOther);
  const selected = useStore((s) => s.selectedNucleus);
  const hovered = useStore((s) => s.hoveredNucleus);

  const nuclei = useMemo<Nucleus[]>(() => result?.nuclei ?? [], [result]);
  const containerRef = useRef<HTMLDivElement | null>(null);
  const { containerCallback, view, setView, zoomAtCentre, step, handlers } = usePanZoom({
    containerRef,
    nuclei,
    showOther,
    minZoom: () => MIN_ZOOM,
    maxZoom: MAX_ZOOM,
    fit: () => fit(),
    centre: () => ({
      cx: (containerRef.current?.clientWidth ?? 0) / 2,
      cy: (containerRef.current?.clientHeight ?? 0) / 2,
    }),
    initial: { zoom: 1, x: 0, y: 0 },
  });

  const fit = useCallback(() => {
    const el = containerRef.current;
    if (!el || !image) return;
    const cw = el.clientWidth;
    const ch = el.clientHeight;
    const zoom = Math.min(MAX_ZOOM, Math.min(cw / image.width, ch / image.height) * 0.96);
    setView({ zoom, x: (cw - image.width * zoom) / 2, y: (ch - image.height * zoom) / 2 });
  }, [image, setView]);

  // Both canvases show ImageBitmaps: an on-page 2D canvas is copied again on every frame.
  const base = useRef<BitmapCanvas | null>(null);
  const overlay = useRef<BitmapCanvas | null>(null);

  // Draw the image once per image; fit it to the viewport.
  useLayoutEffect(() => {
    const c = baseRef.current;
    if (!c || !image) return;
    bitmapCanvasFor(base, c).draw(image.width, image.height, (ctx) =>
      ctx.putImageData(
        new ImageData(new Uint8ClampedArray(image.data), image.width, image.height),
        0,
        0,
      ),
    );
    fit();
  }, [image, fit]);

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => fit());
    ro.observe(el);
    return () => ro.disconnect();
  }, [fit]);

  // Redraw contours when results, selection or zoom change (line width stays ~2 screen px).
  // Nothing to draw over a blank overlay is skipped: each draw allocates a new bitmap (up to
  // 2048² px), and an image is shown and fitted before its result arrives.
  const overlayDrawn = useRef(false);
  useEffect(() => {
    const c = overlayRef.current;
    if (!c || !image) return;
    if (nuclei.length === 0 && !overlayDrawn.current) return;
    overlayDrawn.current = nuclei.length > 0;
    const f = overlayFactor(image.width, image.height);
    bitmapCanvasFor(overlay, c).draw(image.width * f, image.height * f, (ctx) => {
      ctx.setTransform(f, 0, 0, f, 0, 0);
      ctx.clearRect(0, 0, image.width, image.height);
      drawContours(ctx, nuclei, {
        lineWidth: Math.max(0.5 / f, 2 / view.zoom),
        selected,
        hovered,
        showOther,
      });
    });
  }, [image, nuclei, selected, hovered, view.zoom, showOther]);

  if (!image) {
    return (
      <div className="viewer viewer-empty" data-testid="viewer" data-status={item.status}>
        <p>{item.status === 'error' ? 'This file could not be opened.' : 'Reading image…'}</p>
      </div>
    );
  }

  const transform = `translate(${view.x}px, ${view.y}px) scale(${view.zoom})`;
  return (
    <div className="viewer-wrap">
      <div
        ref={containerCallback}
        className={`viewer${view.zoom >= 8 ? ' pixelated' : ''}`}
        data-testid="viewer"
        data-status={item.status}
        tabIndex={0}
        role="application"
        aria-label={`Image viewer for ${item.name}. Drag to pan, scroll or + and − to zoom, 0 to fit, N and P to step through nuclei (most abnormal first), Escape to clear the selection.`}
        {...handlers}
      >
        <div
          className="viewer-stage"
          style={{ transform, width: image.width, height: image.height }}
        >
          <canvas ref={baseRef} className="viewer-image" data-testid="image-canvas" />
          <canvas
            ref={overlayRef}
            className="viewer-overlay"
            data-testid="overlay"
            style={{
              opacity: overlayVisible ? overlayOpacity : 0,
              width: image.width,
              height: image.height,
            }}
          />
        </div>
      </div>
      <div className="viewer-tools" role="toolbar" aria-label="Zoom">
        <button type="button" onClick={() => zoomAtCentre(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoomAtCentre(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={fit} aria-label="Fit image to view">
          Fit
        </button>
        <span className="zoom-level" aria-live="off">
          {Math.round(view.zoom * 100)}%
        </span>
        {nuclei.length > 0 ? (
          <>
            <button type="button" onClick={() => step(-1)} aria-label="Previous nucleus">
              ‹ Prev
            </button>
            <button
              type="button"
              onClick={() => step(1)}
              aria-label="Next nucleus (most abnormal first)"
            >
              Next ›
            </button>
          </>
        ) : null}
      </div>
    </div>
  );
}
