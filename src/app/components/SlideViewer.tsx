import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Nucleus } from '../../core/types';
import { drawContours, isSetAside, nucleusColor } from '../draw';
import { pickLevel, visibleTiles, VIEW_TILE } from '../slide/view';
import { slideReader } from '../slide/reader-client';
import { useStore, type ImageItem } from '../store';
import { usePanZoom } from './use-pan-zoom';

/** Bitmaps kept for panning back (256² RGBA each ≈ 256 KB: 192 tiles ≈ 48 MB). */
const TILE_CACHE = 192;
/** Tile reads in flight at once (the reader decodes one at a time; a few keep it busy). */
const IN_FLIGHT = 4;
const MAX_ZOOM = 8;
/** Below this many screen pixels per nucleus radius, nuclei are dots (contours would be specks). */
const CONTOUR_MIN_PX = 3;

/**
 * Deep-zoom viewer of a whole slide (issue 14): canvas tiles read from the pyramid level that fits
 * the zoom (a coarser cached tile stands in while a finer one loads), the nucleus overlay at every
 * zoom (contours when big enough, dots when not), pan, zoom, and jumps to a selected nucleus.
 */
export function SlideViewer({ item }: { item: ImageItem }) {
  const slide = item.slide!;
  const file = item.file;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [tick, setTick] = useState(0);
  const cache = useRef(new Map<string, ImageBitmap>());
  const pending = useRef(new Set<string>());
  const wanted = useRef<{ key: string; level: number; tx: number; ty: number }[]>([]);

  const overlayVisible = useStore((s) => s.overlayVisible);
  const overlayOpacity = useStore((s) => s.overlayOpacity);
  const showOther = useStore((s) => s.showOther);
  const selected = useStore((s) => s.selectedNucleus);
  const hovered = useStore((s) => s.hoveredNucleus);

  // While the analysis runs, the finished tiles' nuclei are shown already.
  const nuclei = useMemo<Nucleus[]>(
    () => item.result?.nuclei ?? item.partial?.nuclei ?? [],
    [item.result, item.partial],
  );

  const fitZoom = useCallback(
    (w: number, h: number) => Math.min(w / slide.width, h / slide.height) * 0.96,
    [slide],
  );
  const containerRef = useRef<HTMLDivElement | null>(null);
  const { containerCallback, view, setView, zoomAtCentre, step, handlers } = usePanZoom({
    containerRef,
    nuclei,
    showOther,
    minZoom: () => fitZoom(size.w, size.h) * 0.5,
    maxZoom: MAX_ZOOM,
    fit: () => fit(),
    centre: () => ({ cx: size.w / 2, cy: size.h / 2 }),
    initial: { zoom: 0, x: 0, y: 0 },
  });
  const fit = useCallback(() => {
    const { w, h } = size;
    if (!w || !h) return;
    const zoom = fitZoom(w, h);
    setView({ zoom, x: (w - slide.width * zoom) / 2, y: (h - slide.height * zoom) / 2 });
  }, [size, slide, fitZoom, setView]);

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    // Fires once at once with the initial size.
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // First layout: fit the slide (while rendering, once the size is known).
  if (view.zoom === 0 && size.w && size.h) {
    const zoom = fitZoom(size.w, size.h);
    setView({
      zoom,
      x: (size.w - slide.width * zoom) / 2,
      y: (size.h - slide.height * zoom) / 2,
    });
  }

  // Release the bitmaps when the viewer goes (GPU memory).
  useEffect(() => {
    const c = cache.current;
    return () => {
      for (const b of c.values()) b.close();
      c.clear();
    };
  }, []);

  const pumpRef = useRef<() => void>(() => undefined);
  const pump = useCallback(() => {
    if (!file) return;
    while (pending.current.size < IN_FLIGHT && wanted.current.length > 0) {
      const t = wanted.current.shift()!;
      if (cache.current.has(t.key) || pending.current.has(t.key)) continue;
      const lv = slide.levels[t.level];
      const x = t.tx * VIEW_TILE;
      const y = t.ty * VIEW_TILE;
      const w = Math.min(VIEW_TILE, lv.width - x);
      const h = Math.min(VIEW_TILE, lv.height - y);
      pending.current.add(t.key);
      slideReader()
        .read(file, t.level, x, y, w, h)
        .then(
          (bmp) => {
            cache.current.set(t.key, bmp);
            if (cache.current.size > TILE_CACHE) {
              const oldest = cache.current.keys().next().value as string;
              cache.current.get(oldest)?.close();
              cache.current.delete(oldest);
            }
            setTick((k) => k + 1);
          },
          () => undefined, // a damaged tile stays grey; the analysis reports the damage
        )
        .finally(() => {
          pending.current.delete(t.key);
          pumpRef.current();
        });
    }
  }, [file, slide]);

  useEffect(() => {
    pumpRef.current = pump;
  }, [pump]);

  // Draw: tiles of the level that fits, then the overlay.
  useEffect(() => {
    const c = canvasRef.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || !size.w || view.zoom === 0) return;
    clearCanvas(c, ctx, size.w, size.h);
    // The slide's extent, pale until its tiles arrive.
    ctx.fillStyle = '#e8edf3';
    ctx.fillRect(view.x, view.y, slide.width * view.zoom, slide.height * view.zoom);
    const level = pickLevel(slide.levels, view.zoom);
    const tiles = visibleTiles(slide, level, view, size.w, size.h);
    const missing: typeof wanted.current = [];
    ctx.imageSmoothingEnabled = view.zoom < 2;
    for (const t of tiles) {
      const ds = slide.levels[level].downsample;
      const bmp = cache.current.get(t.key);
      if (bmp) {
        // Keep it recently used.
        cache.current.delete(t.key);
        cache.current.set(t.key, bmp);
        ctx.drawImage(
          bmp,
          view.x + t.tx * VIEW_TILE * ds * view.zoom,
          view.y + t.ty * VIEW_TILE * ds * view.zoom,
          bmp.width * ds * view.zoom,
          bmp.height * ds * view.zoom,
        );
        continue;
      }
      missing.push(t);
      // A coarser cached tile stands in until this one arrives.
      for (let l = level + 1; l < slide.levels.length; l++) {
        const k = slide.levels[l].downsample / ds;
        const ctx2 = Math.floor(t.tx / k);
        const cty = Math.floor(t.ty / k);
        const cover = cache.current.get(`${l}/${ctx2}/${cty}`);
        if (!cover) continue;
        const lds = slide.levels[l].downsample;
        // Source rect of this tile inside the coarser tile.
        const sx = (t.tx * VIEW_TILE) / k - ctx2 * VIEW_TILE;
        const sy = (t.ty * VIEW_TILE) / k - cty * VIEW_TILE;
        const sw = Math.min(VIEW_TILE / k, cover.width - sx);
        const sh = Math.min(VIEW_TILE / k, cover.height - sy);
        if (sw <= 0 || sh <= 0) break;
        ctx.drawImage(
          cover,
          sx,
          sy,
          sw,
          sh,
          view.x + (ctx2 * VIEW_TILE + sx) * lds * view.zoom,
          view.y + (cty * VIEW_TILE + sy) * lds * view.zoom,
          sw * lds * view.zoom,
          sh * lds * view.zoom,
        );
        break;
      }
    }
    wanted.current = missing;
    pump();
    c.dataset.level = String(level);
    c.dataset.tiles = String(tiles.length);
    c.dataset.missing = String(missing.length);
  }, [view, size, tick, slide, pump]);

  // The overlay on its own canvas (its opacity is the overlay slider's).
  useEffect(() => {
    const c = overlayRef.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || !size.w || view.zoom === 0) return;
    clearCanvas(c, ctx, size.w, size.h);
    const x0 = -view.x / view.zoom;
    const y0 = -view.y / view.zoom;
    const x1 = x0 + size.w / view.zoom;
    const y1 = y0 + size.h / view.zoom;
    const inView = nuclei.filter(
      (n) =>
        n.bbox.x + n.bbox.width >= x0 &&
        n.bbox.x <= x1 &&
        n.bbox.y + n.bbox.height >= y0 &&
        n.bbox.y <= y1 &&
        (showOther || !isSetAside(n) || n.id === selected),
    );
    ctx.setTransform(view.zoom, 0, 0, view.zoom, view.x, view.y);
    // Typical nucleus diameter in view (level-0 px).
    const side = Math.sqrt(
      inView.reduce((s, n) => s + n.bbox.width * n.bbox.height, 0) / Math.max(1, inView.length),
    );
    if (side * view.zoom >= 2 * CONTOUR_MIN_PX) {
      drawContours(ctx, inView, { lineWidth: 2 / view.zoom, selected, hovered, showOther });
    } else {
      const d = 3 / view.zoom;
      for (const n of inView) {
        ctx.fillStyle = nucleusColor(n);
        const r = n.id === selected ? 2 * d : d;
        ctx.fillRect(n.centroid.x - r / 2, n.centroid.y - r / 2, r, r);
      }
    }
    c.dataset.drawn = String(inView.length);
  }, [view, size, nuclei, selected, hovered, showOther]);

  // A nucleus chosen elsewhere (gallery, N/P): bring it into view at a zoom where it shows.
  // (State adjusted while rendering, as React advises for props/store changes, not in an effect.)
  const [jumped, setJumped] = useState<number | null>(null);
  if (selected !== jumped && size.w && view.zoom > 0) {
    setJumped(selected);
    const n = selected === null ? undefined : nuclei.find((m) => m.id === selected);
    if (n) {
      const sx = view.x + n.centroid.x * view.zoom;
      const sy = view.y + n.centroid.y * view.zoom;
      const visible = sx > 40 && sy > 40 && sx < size.w - 40 && sy < size.h - 40;
      if (!visible || view.zoom < 0.5) {
        const zoom = Math.max(view.zoom, 1);
        setView({ zoom, x: size.w / 2 - n.centroid.x * zoom, y: size.h / 2 - n.centroid.y * zoom });
      }
    }
  }

  const cx = view.zoom ? (size.w / 2 - view.x) / view.zoom : 0;
  const cy = view.zoom ? (size.h / 2 - view.y) / view.zoom : 0;
  return (
    <div className="viewer-wrap">
      <div
        ref={containerCallback}
        className="viewer slide-viewer"
        data-testid="viewer"
        data-status={item.status}
        data-slide="true"
        data-zoom={view.zoom.toFixed(4)}
        data-center-x={Math.round(cx)}
        data-center-y={Math.round(cy)}
        tabIndex={0}
        role="application"
        aria-label={`Slide viewer for ${item.name} (${slide.width}×${slide.height} pixels). Drag to pan, scroll or + and − to zoom, 0 to fit, N and P to step through nuclei (most abnormal first), Escape to clear the selection.`}
        {...handlers}
      >
        <canvas ref={canvasRef} className="slide-canvas" data-testid="slide-canvas" />
        <canvas
          ref={overlayRef}
          className="slide-canvas"
          data-testid="overlay"
          style={{ opacity: overlayVisible ? overlayOpacity : 0 }}
        />
      </div>
      <div className="viewer-tools" role="toolbar" aria-label="Zoom">
        <button type="button" onClick={() => zoomAtCentre(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoomAtCentre(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={fit} aria-label="Fit slide to view">
          Fit
        </button>
        <span className="zoom-level" aria-live="off">
          {view.zoom >= 0.1 ? Math.round(view.zoom * 100) : (view.zoom * 100).toFixed(1)}%
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

/** Size a canvas to its box (only when it changed: resizing clears and reallocates) and clear it. */
function clearCanvas(
  c: HTMLCanvasElement,
  ctx: CanvasRenderingContext2D,
  w: number,
  h: number,
): void {
  if (c.width !== w || c.height !== h) {
    c.width = w;
    c.height = h;
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, h);
}
