/**
 * Tuning data of the single-cell finder's rules (src/core/cell/primary-nucleus.ts): every nucleus
 * the segmentation outlines at every search side of one image, with its plausibility and, given
 * the mask, its IoU. Used by scripts/cell-finder-fragments.ts and scripts/finder-tight-crops.ts.
 */
import { nucleusScore } from '../src/core/cell/primary-nucleus';
import type { RgbaImage } from '../src/core/image/types';
import type { SegAdapter } from '../src/core/pipeline/models';
import { fillPolygon } from '../src/core/util/geometry';

export const FINDER_SIDES = [64, 96, 128, 192, 256, 384, 512] as const;

export interface FinderCandidate {
  side: number;
  scale: number;
  score: number;
  area: number;
  circ: number;
  dark: number;
  cx: number;
  cy: number;
  contour: [number, number][];
  /** IoU with the mask (-1 without one). */
  iou: number;
  /** Nuclei in that side's segmentation. */
  nobj: number;
}

/**
 * `iouFrom`: the nucleus's own pixels in the label map, or its contour filled (what the fragment
 * rule's tuning used, kept so its figures reproduce).
 */
export async function finderCandidates(
  seg: SegAdapter,
  img: RgbaImage,
  mask: ArrayLike<number> | null,
  iouFrom: 'labels' | 'contour',
): Promise<FinderCandidate[]> {
  const out: FinderCandidate[] = [];
  for (const side of FINDER_SIDES) {
    const scale = side / Math.max(img.width, img.height);
    const r = await seg.segment(img, 'cell', scale);
    r.nuclei.forEach((n, i) => {
      let iou = -1;
      if (mask) {
        const m = iouFrom === 'contour' ? fillPolygon(n.contour, img.width, img.height) : null;
        let inter = 0;
        let uni = 0;
        for (let k = 0; k < mask.length; k++) {
          const a = m ? m[k] > 0 : r.labels[k] === i + 1;
          const b = mask[k] > 0;
          if (a && b) inter++;
          if (a || b) uni++;
        }
        iou = inter / uni;
      }
      const mm = n.morphometrics;
      out.push({
        side,
        scale,
        score: nucleusScore(n, img.width, img.height, scale),
        area: mm.areaPx,
        circ: mm.circularity,
        dark: mm.meanIntensity,
        cx: n.centroid.x,
        cy: n.centroid.y,
        contour: n.contour,
        iou,
        nobj: r.nuclei.length,
      });
    });
  }
  return out;
}
