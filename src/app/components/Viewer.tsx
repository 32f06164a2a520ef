import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Nucleus } from '../../core/types';
import { bitmapCanvasFor, type BitmapCanvas } from '../bitmap-canvas';
import { drawContours, isSetAside, nucleusAt } from '../draw';
import { stepByAbnormality } from '../rank';
import { useStore, type ImageItem } from '../store';

interface View {
  zoom: number;
  x: number;
  y: number;
}

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 32;

/** Overlay canvas supersampling: small crops get a finer overlay so contours stay smooth. */
function overlayFactor(w: number, h: number): number {
  return Math.max(1, Math.min(8, Math.floor(2048 / Math.max(w, h))));
}

export function Viewer({ item }: { item: ImageItem }) {
  const image = item.image;
  const result = item.result;
  const containerRef = useRef<HTMLDivElement>(null);
  const baseRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const [view, setView] = useState<View>({ zoom: 1, x: 0, y: 0 });
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; moved: boolean } | null>(
    null,
  );

  const overlayVisible = useStore((s) => s.overlayVisible);
  const overlayOpacity = useStore((s) => s.overlayOpacity);
  const showOther = useStore((s) => s.showOther);
  const selected = useStore((s) => s.selectedNucleus);
  const hovered = useStore((s) => s.hoveredNucleus);
  const selectNucleus = useStore((s) => s.selectNucleus);
  const hoverNucleus = useStore((s) => s.hoverNucleus);

  const nuclei = useMemo<Nucleus[]>(() => result?.nuclei ?? [], [result]);

  const fit = useCallback(() => {
    const el = containerRef.current;
    if (!el || !image) return;
    const cw = el.clientWidth;
    const ch = el.clientHeight;
    const zoom = Math.min(MAX_ZOOM, Math.min(cw / image.width, ch / image.height) * 0.96);
    setView({ zoom, x: (cw - image.width * zoom) / 2, y: (ch - image.height * zoom) / 2 });
  }, [image]);

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

  const zoomAt = useCallback((factor: number, cx: number, cy: number) => {
    setView((v) => {
      const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.zoom * factor));
      const k = zoom / v.zoom;
      return { zoom, x: cx - (cx - v.x) * k, y: cy - (cy - v.y) * k };
    });
  }, []);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [zoomAt]);

  const toImage = (e: React.PointerEvent) => {
    const r = containerRef.current!.getBoundingClientRect();
    return {
      x: (e.clientX - r.left - view.x) / view.zoom,
      y: (e.clientY - r.top - view.y) / view.zoom,
    };
  };

  const onPointerDown = (e: React.PointerEvent) => {
    if (e.button !== 0) return;
    drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const d = drag.current;
    if (d) {
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) d.moved = true;
      if (d.moved) setView((v) => ({ ...v, x: d.vx + dx, y: d.vy + dy }));
      return;
    }
    const p = toImage(e);
    hoverNucleus(nucleusAt(nuclei, p.x, p.y, showOther)?.id ?? null);
  };
  const onPointerUp = (e: React.PointerEvent) => {
    const d = drag.current;
    drag.current = null;
    if (d && !d.moved) {
      const p = toImage(e);
      selectNucleus(nucleusAt(nuclei, p.x, p.y, showOther)?.id ?? null);
    }
  };

  // N / P: the next or previous nucleus by abnormality (one pass; no sort of every nucleus).
  const step = (dir: 1 | -1) => {
    const next = stepByAbnormality(nuclei, selected, dir, (n) => showOther || !isSetAside(n));
    if (next) selectNucleus(next.id);
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const el = containerRef.current;
    if (!el) return;
    const cx = el.clientWidth / 2;
    const cy = el.clientHeight / 2;
    const pan = (dx: number, dy: number) => setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));
    const keys: Record<string, () => void> = {
      '+': () => zoomAt(1.25, cx, cy),
      '=': () => zoomAt(1.25, cx, cy),
      '-': () => zoomAt(0.8, cx, cy),
      '0': fit,
      ArrowLeft: () => pan(40, 0),
      ArrowRight: () => pan(-40, 0),
      ArrowUp: () => pan(0, 40),
      ArrowDown: () => pan(0, -40),
      n: () => step(1),
      p: () => step(-1),
      Escape: () => selectNucleus(null),
    };
    const fn = keys[e.key];
    if (fn) {
      e.preventDefault();
      fn();
    }
  };

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
        ref={containerRef}
        className={`viewer${view.zoom >= 8 ? ' pixelated' : ''}`}
        data-testid="viewer"
        data-status={item.status}
        tabIndex={0}
        role="application"
        aria-label={`Image viewer for ${item.name}. Drag to pan, scroll or + and − to zoom, 0 to fit, N and P to step through nuclei (most abnormal first), Escape to clear the selection.`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => hoverNucleus(null)}
        onKeyDown={onKeyDown}
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
        <button
          type="button"
          onClick={() =>
            zoomAt(
              1.25,
              (containerRef.current?.clientWidth ?? 0) / 2,
              (containerRef.current?.clientHeight ?? 0) / 2,
            )
          }
          aria-label="Zoom in"
        >
          +
        </button>
        <button
          type="button"
          onClick={() =>
            zoomAt(
              0.8,
              (containerRef.current?.clientWidth ?? 0) / 2,
              (containerRef.current?.clientHeight ?? 0) / 2,
            )
          }
          aria-label="Zoom out"
        >
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
