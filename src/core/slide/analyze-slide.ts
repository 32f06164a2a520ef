import { analyze, AnalysisCancelledError, type PipelineModels } from '../analyze';
import type { RgbaImage } from '../image/types';
import type { AnalysisResult, Nucleus, ScaleSource } from '../types';
import { WORKING_PIXEL_UM } from '../pipeline/scale-choice';
import type { PixelSize } from './calibration';
import { resolveSlideScale, type SlideScale } from './slide-scale';

/**
 * Whole-slide analysis tile by tile with the same `analyze` core as single images (issue 14).
 * Each tile is read with a margin; a nucleus belongs to the tile whose own area holds its
 * centroid, so nuclei on tile borders are counted once and seen whole (margin ≥ a nucleus).
 */

/** What a slide must offer: its level-0 size and region reads (src/core/slide/tiff-slide.ts). */
export interface SlideSource {
  width: number;
  height: number;
  /** Level 0's pixel size as the file states it (src/core/slide/calibration.ts). */
  pixelSize?: PixelSize;
  readRegion(x: number, y: number, w: number, h: number): Promise<RgbaImage>;
}

export interface SlideTile {
  index: number;
  /** The tile's own area (level 0): [x, x + w) × [y, y + h). */
  x: number;
  y: number;
  w: number;
  h: number;
}

export const SLIDE_TILE = 1024;
/** Larger than the largest nucleus radius at working scale (~40 px), so border nuclei are whole. */
export const SLIDE_MARGIN = 64;

export function planTiles(width: number, height: number, tile = SLIDE_TILE): SlideTile[] {
  const tiles: SlideTile[] = [];
  for (let y = 0; y < height; y += tile)
    for (let x = 0; x < width; x += tile)
      tiles.push({
        index: tiles.length,
        x,
        y,
        w: Math.min(tile, width - x),
        h: Math.min(tile, height - y),
      });
  return tiles;
}

export interface SlideProgress {
  tilesDone: number;
  tiles: number;
  nuclei: number;
  elapsedMs: number;
  /** Estimated time left from the mean time per tile so far. */
  etaMs: number;
  /** The factor every tile is analysed at, and where it came from (kept by Resume). */
  scale: number;
  scaleSource: ScaleSource;
}

/** Bethesda 2014 adequacy: minimum well-preserved, well-visualised squamous cells. */
export const ADEQUACY_MIN = { liquidBased: 5000, conventional: 8000 } as const;

export interface SlideSummary {
  tiles: number;
  tilesDone: number;
  /** Nuclei found (also when the result does not hold them: `keepNuclei: false`). */
  nuclei: number;
  /** Nuclei per label (null label → "unclassified"). */
  counts: Record<string, number>;
  /**
   * Estimate of squamous cells for adequacy: classified nuclei that are not set aside as
   * `Other` (when the classifier has that class) — an estimate, not a count of preserved cells.
   */
  squamousEstimate: number;
  adequate: { liquidBased: boolean; conventional: boolean };
  ms: number;
  megapixelsPerSecond: number;
}

export interface SlideResult extends AnalysisResult {
  slide: SlideSummary;
}

export interface SlideOptions {
  tile?: number;
  margin?: number;
  signal?: AbortSignal;
  onProgress?: (p: SlideProgress) => void;
  /**
   * The nuclei a finished tile added (level-0 coordinates, final ids), before its progress: a
   * caller that keeps them can resume after a cancel or a lost worker without this run's state.
   */
  onTile?: (tile: SlideTile, added: Nucleus[]) => void;
  /** Resume: nuclei already found in tiles [0, startTile) by an earlier, interrupted run. */
  resume?: { startTile: number; nuclei: Nucleus[] };
  name?: string;
  /**
   * false: the caller keeps the nuclei from `onTile` (the app's page does, for Resume), so they
   * are not held a second time here; the result then has no nuclei, only `slide.nuclei` and the
   * counts. (≈ 5.5 KB per nucleus: 300 MB for a 54,000-nucleus slide.)
   */
  keepNuclei?: boolean;
  /** µm per level-0 pixel given by the user: wins over the file's own calibration. */
  pixelSizeUm?: number;
  /** Resume: the factor the first tiles were analysed at (wins over everything). */
  scale?: { scale: number; scaleSource: ScaleSource };
  /** Told the factor once it is known, before the first tile (the CLI prints it). */
  onScale?: (s: SlideScale) => void;
}

function scaleWarning({ scale, scaleSource: source, probe }: SlideScale, from?: string): string {
  if (source === 'default')
    return "The slide states no pixel size and no nuclei were found to estimate it: every tile was analysed at the working scale (×1, about 0.17 µm per pixel); enter the scanner's pixel size if it differs.";
  if (source === 'auto')
    return `The slide states no pixel size: every tile was rescaled by ×${scale.toFixed(3)}, estimated from the nuclei of ${probe ? `${probe.factors.length} of ${probe.windows} sample windows` : 'sample windows before the first tile'}; enter the scanner's pixel size if it is known.`;
  const where = source === 'user' ? 'your pixel size' : `the file's calibration (${from})`;
  // The µm follow from the factor: on Resume the setting may have changed since the first tiles.
  return `Every tile was rescaled by ×${scale.toFixed(3)} to the working scale (${(scale * WORKING_PIXEL_UM).toFixed(3)} µm per pixel, from ${where}).`;
}

function shifted(n: Nucleus, dx: number, dy: number, id: number): Nucleus {
  return {
    ...n,
    id,
    contour: n.contour.map(([x, y]) => [x + dx, y + dy] as [number, number]),
    bbox: { ...n.bbox, x: n.bbox.x + dx, y: n.bbox.y + dy },
    centroid: { x: n.centroid.x + dx, y: n.centroid.y + dy },
  };
}

export async function analyzeSlide(
  slide: SlideSource,
  models: PipelineModels,
  options: SlideOptions = {},
): Promise<SlideResult> {
  const t0 = typeof performance !== 'undefined' ? performance.now() : Date.now();
  const now = (): number =>
    (typeof performance !== 'undefined' ? performance.now() : Date.now()) - t0;
  const tile = options.tile ?? SLIDE_TILE;
  const resolved = await resolveSlideScale(slide, models.seg, {
    pixelSizeUm: options.pixelSizeUm,
    previous: options.scale,
    signal: options.signal,
  });
  if (options.signal?.aborted) throw new AnalysisCancelledError();
  const { scale, scaleSource } = resolved;
  options.onScale?.(resolved);
  // The margin must hold a whole nucleus at level 0: nuclei there are 1/scale of working size.
  const margin = Math.ceil((options.margin ?? SLIDE_MARGIN) / Math.min(1, scale));
  const tiles = planTiles(slide.width, slide.height, tile);
  const keep = options.keepNuclei !== false;
  const nuclei: Nucleus[] = keep ? [...(options.resume?.nuclei ?? [])] : [];
  let count = 0;
  const counts: Record<string, number> = {};
  let squamousEstimate = 0;
  const tally = (n: Nucleus): void => {
    count++;
    const k = n.label ?? 'unclassified';
    counts[k] = (counts[k] ?? 0) + 1;
    if (n.label !== null && String(n.label) !== 'Other') squamousEstimate++;
  };
  for (const n of options.resume?.nuclei ?? []) tally(n);
  const start = options.resume?.startTile ?? 0;
  let last: AnalysisResult | null = null;
  let done = start;
  for (const t of tiles.slice(start)) {
    if (options.signal?.aborted) throw new AnalysisCancelledError();
    // The margin is clipped at the slide's edges: there the tile sees the same border as a
    // whole-image analysis would (no artificial white band).
    const rx = Math.max(0, t.x - margin);
    const ry = Math.max(0, t.y - margin);
    const rw = Math.min(slide.width, t.x + t.w + margin) - rx;
    const rh = Math.min(slide.height, t.y + t.h + margin) - ry;
    const region = await slide.readRegion(rx, ry, rw, rh);
    const added: Nucleus[] = [];
    const r = await analyze(region, models, { mode: 'field', scale, signal: options.signal });
    last = r;
    for (const n of r.nuclei) {
      const cx = n.centroid.x + rx;
      const cy = n.centroid.y + ry;
      if (cx >= t.x && cx < t.x + t.w && cy >= t.y && cy < t.y + t.h) {
        const m = shifted(n, rx, ry, count + 1);
        tally(m);
        added.push(m);
        if (keep) nuclei.push(m);
      }
    }
    done++;
    options.onTile?.(t, added);
    const elapsed = now();
    options.onProgress?.({
      tilesDone: done,
      tiles: tiles.length,
      nuclei: count,
      elapsedMs: elapsed,
      etaMs: (elapsed / (done - start)) * (tiles.length - done),
      scale,
      scaleSource,
    });
  }
  const ms = now();
  const mp = (slide.width * slide.height) / 1e6;
  return {
    image: {
      width: slide.width,
      height: slide.height,
      ...(options.name ? { name: options.name } : {}),
    },
    mode: 'field',
    scale,
    scaleSource,
    // A slide is always a field: its size decides.
    modeSource: 'size',
    nuclei,
    timings: [{ stage: 'total', ms }],
    backend: last?.backend ?? 'none',
    modelVersions: models.versions,
    warnings: [
      `Analysed tile by tile (${tiles.length} tiles of ${tile} px with a ${margin}-px margin); coordinates are level-0 slide pixels.`,
      scaleWarning(resolved, slide.pixelSize?.from),
    ],
    slide: {
      tiles: tiles.length,
      tilesDone: done,
      nuclei: count,
      counts,
      squamousEstimate,
      adequate: {
        liquidBased: squamousEstimate >= ADEQUACY_MIN.liquidBased,
        conventional: squamousEstimate >= ADEQUACY_MIN.conventional,
      },
      ms,
      megapixelsPerSecond: mp / Math.max(ms / 1000, 1e-9),
    },
  };
}
