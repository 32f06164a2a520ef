import { OTHER_CLASS, type Nucleus } from '../core/types';
import { CLASS_COLORS, UNLABELLED_COLOR } from './classes';
import { pointInPolygon } from './geometry';

/** Field objects set aside by the Other gate (issue 11): not squamous epithelial nuclei. */
export function isSetAside(n: Nucleus): boolean {
  return n.label === OTHER_CLASS;
}

export function nucleusColor(n: Nucleus): string {
  return n.label ? CLASS_COLORS[n.label] : UNLABELLED_COLOR;
}

function tracePath(
  ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D,
  n: Nucleus,
): void {
  ctx.beginPath();
  n.contour.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
  ctx.closePath();
}

export interface DrawOptions {
  /** Line width in image pixels. */
  lineWidth: number;
  selected?: number | null;
  hovered?: number | null;
  /** Draw objects set aside as Other (muted: thin, translucent, no dark under-stroke). */
  showOther?: boolean;
}

/**
 * Contours coloured by predicted class, on a thin dark under-stroke so they read on pale and
 * dark stain alike; low-confidence nuclei are dashed; the selected one is thicker and filled.
 */
export function drawContours(
  ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D,
  nuclei: Nucleus[],
  { lineWidth, selected = null, hovered = null, showOther = true }: DrawOptions,
): void {
  ctx.lineJoin = 'round';
  for (const n of nuclei) {
    if (n.contour.length < 2) continue;
    if (isSetAside(n) && n.id !== selected) {
      if (!showOther) continue;
      // Muted so the eye goes to the epithelial nuclei first.
      tracePath(ctx, n);
      ctx.setLineDash([]);
      ctx.globalAlpha = 0.6;
      ctx.strokeStyle = nucleusColor(n);
      ctx.lineWidth = lineWidth * (n.id === hovered ? 1 : 0.6);
      ctx.stroke();
      ctx.globalAlpha = 1;
      continue;
    }
    const emphasis = n.id === selected ? 2 : n.id === hovered ? 1.5 : 1;
    const w = lineWidth * emphasis;
    tracePath(ctx, n);
    if (n.id === selected) {
      ctx.fillStyle = nucleusColor(n) + '40';
      ctx.fill();
    }
    ctx.setLineDash([]);
    ctx.strokeStyle = 'rgba(0,0,0,0.55)';
    ctx.lineWidth = w * 2;
    ctx.stroke();
    ctx.setLineDash(n.lowConfidence ? [w * 3, w * 2] : []);
    ctx.strokeStyle = nucleusColor(n);
    ctx.lineWidth = w;
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/** The nucleus under image point (x, y): the smallest one when contours overlap. */
export function nucleusAt(
  nuclei: Nucleus[],
  x: number,
  y: number,
  showOther = true,
): Nucleus | null {
  let best: Nucleus | null = null;
  for (const n of nuclei) {
    if (!showOther && isSetAside(n)) continue;
    const b = n.bbox;
    if (x < b.x - 1 || y < b.y - 1 || x > b.x + b.width + 1 || y > b.y + b.height + 1) continue;
    if (!pointInPolygon(x, y, n.contour)) continue;
    if (!best || n.morphometrics.areaPx < best.morphometrics.areaPx) best = n;
  }
  return best;
}

/** Most abnormal first (P(abnormal), then id); objects set aside as Other, then unclassified, last. */
export function byAbnormality(a: Nucleus, b: Nucleus): number {
  return (
    Number(isSetAside(a)) - Number(isSetAside(b)) ||
    (b.abnormalProbability ?? -1) - (a.abnormalProbability ?? -1) ||
    a.id - b.id
  );
}
