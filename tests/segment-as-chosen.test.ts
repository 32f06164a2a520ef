import { describe, expect, it } from 'vitest';
import { findCellNuclei } from '../src/core/cell/primary-nucleus';
import { finderSearches, segmentAsChosen } from '../src/core/pipeline/segment-as-chosen';
import type { SegAdapter } from '../src/core/pipeline/models';
import { cellImage, thresholdSeg } from './support/cell-doubles';

/**
 * `segmentAsChosen` is how `analyze()` and `paplens eval-seg` both turn a mode and scale choice
 * into outlined nuclei, so the evaluation scores what users are shown: a cell through the nucleus
 * finder's search (not one pass at the coarse pass's factor), a field at the chosen factor.
 */
const cell = cellImage(224, 224, [
  { x: 112, y: 112, r: 28 },
  { x: 20, y: 24, r: 10 },
]);

/** thresholdSeg, recording every call's mode, factor and whether a map was handed over. */
function recording(): { seg: SegAdapter; calls: [string, number | undefined, boolean][] } {
  const inner = thresholdSeg();
  const calls: [string, number | undefined, boolean][] = [];
  return {
    calls,
    seg: {
      ...inner,
      segment(image, mode, scale, probability, helper) {
        calls.push([mode, scale, !!probability]);
        return inner.segment(image, mode, scale, probability, helper);
      },
    },
  };
}

describe('segmentAsChosen', () => {
  it('a cell is searched by the nucleus finder whatever factor the coarse pass chose', async () => {
    const { seg, calls } = recording();
    const got = await segmentAsChosen(cell, seg, { mode: 'cell', scale: 0.5, scaleSource: 'auto' });
    expect(await findCellNuclei(cell, thresholdSeg())).toMatchObject({
      nuclei: got.nuclei,
      labels: got.labels,
      scale: got.scale,
      method: got.method,
    });
    expect(calls.length).toBeGreaterThan(1);
    expect(got.labels[112 * 224 + 112]).toBe(1);
  });

  it("a cell at the user's factor is segmented at that factor only", async () => {
    const { seg, calls } = recording();
    const got = await segmentAsChosen(cell, seg, {
      mode: 'cell',
      scale: 0.75,
      scaleSource: 'user',
    });
    expect(calls).toEqual([['cell', 0.75, false]]);
    expect(got.scale).toBe(0.75);
  });

  it("a field is one pass at the chosen factor, from the coarse pass's map when it made one", async () => {
    const { seg, calls } = recording();
    const map = new Float32Array(224 * 224);
    const got = await segmentAsChosen(cell, seg, {
      mode: 'field',
      scale: 1,
      scaleSource: 'default',
      map,
    });
    expect(calls).toEqual([['field', 1, true]]);
    expect(got.method).toBe('segmentation');
    expect(got.nuclei.length).toBe(2);
  });

  it('without a segmentation model: a field has no nuclei, a cell the fallback blob', async () => {
    const field = await segmentAsChosen(cell, undefined, {
      mode: 'field',
      scale: 1,
      scaleSource: 'default',
    });
    expect(field).toMatchObject({ nuclei: [], method: 'none' });
    expect(field.labels.every((v) => v === 0)).toBe(true);
    const c = await segmentAsChosen(cell, undefined, {
      mode: 'cell',
      scale: 0.5,
      scaleSource: 'default',
    });
    expect(c.method).toBe('fallback');
    expect(c.nuclei).toHaveLength(1);
  });

  it('a cell the user named, with no scale, skips the coarse pass (the finder searches)', () => {
    expect(finderSearches({ mode: 'cell' })).toBe(true);
    expect(finderSearches({ mode: 'cell', scale: 1 })).toBe(false);
    expect(finderSearches({ mode: 'cell', pixelSizeUm: 0.3 })).toBe(false);
    expect(finderSearches({ mode: 'auto' })).toBe(false);
    expect(finderSearches({})).toBe(false);
  });
});
