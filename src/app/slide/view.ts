import type { SlideInfo, SlideLevelInfo } from '../../core/slide/probe-slide';

/** Viewer tile side in the pixels of the level it is read from. */
export const VIEW_TILE = 256;

/** Screen pixels per level-0 pixel (`zoom`) and where level-0 (0, 0) lies on the screen. */
export interface SlideView {
  zoom: number;
  x: number;
  y: number;
}

/**
 * The coarsest level that still has at least one of its pixels per screen pixel (so the picture
 * is never blurrier than the screen), i.e. the largest downsample ≤ 1 / zoom; level 0 when zoomed in.
 */
export function pickLevel(levels: SlideLevelInfo[], zoom: number): number {
  let best = 0;
  for (const [i, l] of levels.entries())
    if (l.downsample <= 1 / zoom + 1e-9 && l.downsample > levels[best].downsample) best = i;
  return best;
}

export interface ViewTile {
  key: string;
  level: number;
  tx: number;
  ty: number;
}

/** The tiles of `level` that cover the viewport (`w` × `h` screen pixels). */
export function visibleTiles(
  slide: SlideInfo,
  level: number,
  view: SlideView,
  w: number,
  h: number,
): ViewTile[] {
  const l = slide.levels[level];
  const span = VIEW_TILE * l.downsample * view.zoom; // one tile on screen
  const across = Math.ceil(l.width / VIEW_TILE);
  const down = Math.ceil(l.height / VIEW_TILE);
  const tx0 = Math.max(0, Math.floor(-view.x / span));
  const ty0 = Math.max(0, Math.floor(-view.y / span));
  const tx1 = Math.min(across - 1, Math.floor((w - view.x) / span));
  const ty1 = Math.min(down - 1, Math.floor((h - view.y) / span));
  const out: ViewTile[] = [];
  for (let ty = ty0; ty <= ty1; ty++)
    for (let tx = tx0; tx <= tx1; tx++) out.push({ key: `${level}/${tx}/${ty}`, level, tx, ty });
  return out;
}
