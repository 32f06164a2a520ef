import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { Nucleus } from '../../core/types';
import { isSetAside, nucleusAt } from '../draw';
import { stepByAbnormality } from '../rank';
import { useStore } from '../store';

/** Content px → screen px: screen = content × zoom + (x, y). */
export interface View {
  zoom: number;
  x: number;
  y: number;
}

export interface PanZoomOptions {
  /** The caller's ref to the viewport element (set through the returned `containerCallback`). */
  containerRef: RefObject<HTMLDivElement | null>;
  /** The nuclei that can be hovered, clicked and stepped through. */
  nuclei: Nucleus[];
  showOther: boolean;
  /** Zoom limits; the lower one may depend on the viewport. */
  minZoom: () => number;
  maxZoom: number;
  /** Key 0: fit the content to the viewport. */
  fit: () => void;
  /** The viewport's centre in container px (keyboard and button zoom). */
  centre: () => { cx: number; cy: number };
  initial: View;
}

/**
 * What the image viewer and the slide viewer share: pan by dragging, zoom about the pointer
 * (wheel) or the centre (+ / −), hover and click to select a nucleus, and the keyboard (arrows,
 * 0 to fit, N / P through the nuclei by abnormality, Escape to clear). The options are read when
 * an event comes (the latest render's), so the callers need not memoise them.
 */
export function usePanZoom(opts: PanZoomOptions) {
  // The viewport element, also as state so that the wheel listener is attached when it mounts (a
  // viewer can first render without it, e.g. while its image is decoded).
  const { containerRef } = opts;
  const [container, setContainer] = useState<HTMLDivElement | null>(null);
  const containerCallback = useCallback(
    (el: HTMLDivElement | null) => {
      containerRef.current = el;
      setContainer(el);
    },
    [containerRef],
  );
  const o = useRef(opts);
  useLayoutEffect(() => {
    o.current = opts;
  });
  const [view, setView] = useState<View>(opts.initial);
  const drag = useRef<{ x: number; y: number; vx: number; vy: number; moved: boolean } | null>(
    null,
  );
  const selected = useStore((s) => s.selectedNucleus);
  const selectNucleus = useStore((s) => s.selectNucleus);
  const hoverNucleus = useStore((s) => s.hoverNucleus);

  const zoomAt = useCallback((factor: number, cx: number, cy: number) => {
    const { minZoom, maxZoom } = o.current;
    setView((v) => {
      const zoom = Math.min(maxZoom, Math.max(minZoom(), v.zoom * factor));
      const k = zoom / v.zoom;
      return { zoom, x: cx - (cx - v.x) * k, y: cy - (cy - v.y) * k };
    });
  }, []);
  const zoomAtCentre = (factor: number): void => {
    const { cx, cy } = o.current.centre();
    zoomAt(factor, cx, cy);
  };

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = container;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [container, zoomAt]);

  const toContent = (e: React.PointerEvent) => {
    const r = containerRef.current!.getBoundingClientRect();
    return {
      x: (e.clientX - r.left - view.x) / view.zoom,
      y: (e.clientY - r.top - view.y) / view.zoom,
    };
  };
  const nucleusUnder = (e: React.PointerEvent) => {
    const p = toContent(e);
    return nucleusAt(opts.nuclei, p.x, p.y, opts.showOther)?.id ?? null;
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
    hoverNucleus(nucleusUnder(e));
  };
  const onPointerUp = (e: React.PointerEvent) => {
    const d = drag.current;
    drag.current = null;
    if (d && !d.moved) selectNucleus(nucleusUnder(e));
  };

  // N / P: the next or previous nucleus by abnormality (one pass; no sort of every nucleus).
  const step = (dir: 1 | -1) => {
    const next = stepByAbnormality(
      opts.nuclei,
      selected,
      dir,
      (n) => opts.showOther || !isSetAside(n),
    );
    if (next) selectNucleus(next.id);
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const pan = (dx: number, dy: number) => setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));
    const keys: Record<string, () => void> = {
      '+': () => zoomAtCentre(1.25),
      '=': () => zoomAtCentre(1.25),
      '-': () => zoomAtCentre(0.8),
      '0': () => o.current.fit(),
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

  return {
    /** Put on the viewport element: `ref={containerCallback}`. */
    containerCallback,
    view,
    setView,
    zoomAtCentre,
    step,
    handlers: {
      onPointerDown,
      onPointerMove,
      onPointerUp,
      onPointerLeave: () => hoverNucleus(null),
      onKeyDown,
    },
  };
}
