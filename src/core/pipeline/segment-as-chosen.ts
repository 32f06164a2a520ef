import { findCellNuclei } from '../cell/primary-nucleus';
import type { RgbaImage } from '../image/types';
import type { SegAdapter, SegNucleus } from './models';
import type { ScaleChoice, ScaleRequest } from './scale-choice';

/** The nuclei an analysis outlines, with their pixels. */
export interface ChosenSegmentation {
  /** In input pixels; in cell mode `nuclei[0]` is the cell's own (primary) nucleus. */
  nuclei: SegNucleus[];
  /** Input-sized instance labels (0 = background, i + 1 = nuclei[i]). */
  labels: Int32Array;
  /** Factor input → working scale of the segmentation the nuclei come from. */
  scale: number;
  /**
   * `segmentation`: the network's; `fallback`: a cell's darkest central blob (the network found
   * no plausible nucleus); `empty`: a cell image in which neither sees a nucleus; `none`: no
   * segmentation model, so no field nuclei.
   */
  method: 'segmentation' | 'fallback' | 'empty' | 'none';
}

/**
 * Segment an image the way its mode and scale were chosen (scale-choice.ts). A cell is searched
 * over several sizes for its own nucleus (src/core/cell/primary-nucleus.ts) unless the user set
 * the scale; a field is segmented at the chosen factor, reusing the coarse pass's map. One
 * function for `analyze()` and `paplens eval-seg`, so the evaluation scores what users are shown.
 */
export async function segmentAsChosen(
  image: RgbaImage,
  seg: SegAdapter | undefined,
  choice: Pick<ScaleChoice, 'mode' | 'scale' | 'scaleSource' | 'map'>,
): Promise<ChosenSegmentation> {
  if (choice.mode === 'cell') {
    const c = await findCellNuclei(
      image,
      seg,
      choice.scaleSource === 'user' ? choice.scale : undefined,
    );
    return { nuclei: c.nuclei, labels: c.labels, scale: c.scale, method: c.method };
  }
  if (!seg)
    return {
      nuclei: [],
      labels: new Int32Array(image.width * image.height),
      scale: choice.scale,
      method: 'none',
    };
  const s = await seg.segment(image, 'field', choice.scale, choice.map);
  return { nuclei: s.nuclei, labels: s.labels, scale: s.scale, method: 'segmentation' };
}

/**
 * A cell the user named as such needs no coarse pass: the nucleus finder searches the scale
 * itself (a scale or pixel size the user set is still honoured there).
 */
export function finderSearches(req: ScaleRequest): boolean {
  return req.mode === 'cell' && req.scale === undefined && req.pixelSizeUm === undefined;
}
