import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { SegManifest, SegModel } from '../src/core/segment/model';
import {
  cellFromProbes,
  chooseScale,
  chooseWithEvidence,
  contradictsDefault,
  defaultInBand,
  DEFAULT_PROBE_SIDE,
  FIELD_CHECK,
  fieldCheckGate,
  isCell,
  probeScale,
  smallNucleiField,
  MIN_EVIDENCE_OBJECTS,
  TYPICAL_DIAMETER_PX,
  type ScaleProbe,
} from '../src/core/segment/auto-scale';
import {
  chooseModeAndScale,
  estimateOptions,
  type EstimateContext,
  snapScale,
  scaleFromPixelSize,
  WORKING_PIXEL_UM,
} from '../src/core/pipeline/scale-choice';
import type { SegAdapter } from '../src/core/pipeline/models';
import type { RgbaImage } from '../src/core/image/types';

const probe = (
  scale: number,
  objects: number,
  d: number,
  extra: Partial<ScaleProbe> = {},
): ScaleProbe => ({
  scale,
  objects,
  medianDiameterPx: objects ? d : NaN,
  whole: false,
  largestOffset: 0.3,
  largestFraction: 0.05,
  dominance: 1,
  largestDiameterPx: objects ? d : NaN,
  largestMeanProb: objects ? 0.99 : NaN,
  specks: 0,
  ...extra,
});

describe('chooseScale (automatic scale from coarse-pass probes)', () => {
  it('turns confirmed nuclei of 42 input px into the factor that makes them typical', () => {
    // Nuclei of 42 input px: seen as 21 px at ×0.5 and 42 px at ×1 (both imply 42 px).
    const e = chooseScale([
      probe(0.25, 0, 0),
      probe(0.5, 12, 21),
      probe(1, 4, 42),
      probe(2, 2, 20),
    ]);
    expect(e.found).toBe(true);
    expect(e.nucleusDiameterPx).toBeCloseTo(42, 5);
    expect(e.scale).toBeCloseTo(TYPICAL_DIAMETER_PX / 42, 5);
  });

  it('ignores an unconfirmed over-zoomed probe that happens to look typical', () => {
    // ×4 sees "nuclei" of typical size (chromatin clumps, 5 input px) that no neighbour confirms.
    const e = chooseScale([probe(0.5, 6, 14), probe(1, 3, 29), probe(4, 2, TYPICAL_DIAMETER_PX)]);
    expect(e.nucleusDiameterPx).toBeCloseTo(28.5, 5); // median of the linked ×0.5 and ×1
  });

  it('prefers the larger group of linked probes over cells seen from far away', () => {
    // EDF test pattern: ×0.125/×0.25 see cell clusters (~140 px), ×0.5/×1/×2 see 20-px nuclei.
    const e = chooseScale([
      probe(0.125, 7, 17.9),
      probe(0.25, 2, 28),
      probe(0.5, 4, 10),
      probe(1, 2, 20.3),
      probe(2, 1, 40.2),
    ]);
    expect(e.nucleusDiameterPx).toBeCloseTo(20.1, 1);
  });

  it('breaks a tie between groups towards the default factor', () => {
    const probes = [probe(0.25, 1, 22), probe(0.5, 1, 31.6), probe(1, 1, 11), probe(2, 2, 19.3)];
    expect(chooseScale(probes, { prefer: 1 }).nucleusDiameterPx).toBeLessThan(15);
    expect(chooseScale(probes, { prefer: 0.25 }).nucleusDiameterPx).toBeGreaterThan(60);
  });

  it('gives the same factor for the same image at ×0.5 and ×2 (probes shift by one octave)', () => {
    const at = (k: number): ScaleProbe[] =>
      [0.25, 0.5, 1, 2].map((s) => probe(s * k, 5, 20 * s * 2));
    const a = chooseScale(at(1));
    const b = chooseScale(at(2)); // the image shrunk ×0.5: probes at double the factor see the same
    expect(b.scale / a.scale).toBeCloseTo(2, 5);
  });

  it('falls back when nothing confident is seen, and clamps absurd sizes', () => {
    expect(chooseScale([probe(1, 0, 0)], { fallback: 0.5 })).toMatchObject({
      scale: 0.5,
      found: false,
    });
    expect(chooseScale([probe(4, 3, 8), probe(2, 3, 4)]).scale).toBeLessThanOrEqual(5);
  });

  it('tells one centred dominant nucleus from a field', () => {
    expect(
      isCell(
        probe(0.5, 1, 28, {
          whole: true,
          largestOffset: 0.05,
          largestFraction: 0.4,
          dominance: Infinity,
        }),
      ),
    ).toBe(true);
    expect(
      isCell(probe(1, 12, 20, { whole: true, largestOffset: 0.05, largestFraction: 0.1 })),
    ).toBe(false);
    expect(
      isCell(
        probe(1, 1, 20, {
          whole: false,
          largestOffset: 0.05,
          largestFraction: 0.4,
          dominance: Infinity,
        }),
      ),
    ).toBe(false);
  });

  it('takes an off-centre single cell with a small nucleus for a cell, two alike nuclei for a field', () => {
    // Herlev: cells sit up to ~0.3 of the side off centre with nuclei ~6–12 % of it, and a
    // neighbour's nucleus in the frame is usually well under the cell's own (rule fitted on train:
    // scripts/fit-cell-rule.ts).
    const herlevLike = { whole: true, largestOffset: 0.28, largestFraction: 0.08 };
    expect(isCell(probe(0.5, 1, 14, { ...herlevLike, dominance: Infinity }))).toBe(true);
    expect(isCell(probe(0.5, 2, 14, { ...herlevLike, dominance: 1.8 }))).toBe(true);
    expect(isCell(probe(0.5, 2, 14, { ...herlevLike, dominance: 1.2 }))).toBe(false);
    expect(isCell(probe(0.5, 4, 14, { ...herlevLike, dominance: 9 }))).toBe(false);
    expect(isCell(probe(0.5, 1, 14, { ...herlevLike, largestOffset: 0.33 }))).toBe(false);
  });

  it('judges the mode on the default probe when it saw the whole image, not on the searched one', () => {
    // A dysplastic Herlev cell: at ×0.5 one big centred nucleus with a small neighbour; the search
    // then settled on ×1, where chromatin clumps look like several nuclei (not a cell).
    const atDefault = probe(0.5, 2, 38, {
      whole: true,
      largestOffset: 0.14,
      largestFraction: 0.46,
      dominance: 17,
    });
    expect(cellFromProbes(atDefault, false)).toBe(true);
    // A crop of a field: the default probe sees several nuclei, a zoomed-out probe one blob.
    const fieldCrop = probe(0.5, 5, 15, { whole: true, largestOffset: 0.1, largestFraction: 0.15 });
    expect(cellFromProbes(fieldCrop, true)).toBe(false);
    // A large image the default probe saw only in part: the searched probe decides.
    const partial = { ...atDefault, whole: false };
    expect(cellFromProbes(partial, true)).toBe(true);
    expect(cellFromProbes(partial, false)).toBe(false);
  });
});

describe('chooseWithEvidence (leaving the default needs enough objects)', () => {
  // A sparse field: two clusters seen from far away link across ×0.25/×0.5 (implying 80-px
  // "nuclei"); the default ×1 sees one real nucleus. Without the rule the factor would be ×0.25.
  const sparse = [probe(0.25, 2, 20), probe(0.5, 2, 40), probe(1, 1, 22), probe(2, 0, 0)];
  const field = { prefer: 1, fallback: 1, typicalDiameterPx: 20 };

  it('keeps the default when the chosen probe saw fewer than the field minimum', () => {
    expect(chooseScale(sparse, field).scale).toBeCloseTo(0.25, 5);
    const e = chooseWithEvidence(sparse, {
      ...field,
      minEvidenceObjects: MIN_EVIDENCE_OBJECTS.field,
    });
    expect(e).toMatchObject({ found: false, scale: 1 });
  });

  it('leaves the default when the evidence is there (and a single cell needs only one object)', () => {
    const dense = sparse.map((p) => (p.scale <= 0.5 ? { ...p, objects: 5 } : p));
    expect(
      chooseWithEvidence(dense, { ...field, minEvidenceObjects: MIN_EVIDENCE_OBJECTS.field }),
    ).toMatchObject({ found: true, scale: 0.25 });
    expect(
      chooseWithEvidence(sparse, { ...field, minEvidenceObjects: MIN_EVIDENCE_OBJECTS.cell }),
    ).toMatchObject({ found: true, scale: 0.25 });
  });
});

describe('keeping the default factor', () => {
  const field = { typicalDiameterPx: 20 };
  it('keeps it for enough nuclei of about the target size', () => {
    expect(defaultInBand(probe(1, 5, 30), field)).toBe(true);
    expect(defaultInBand(probe(1, 2, 30), field)).toBe(false); // too few on a crop
    expect(defaultInBand(probe(1, 1, 30, { whole: true }), field)).toBe(true);
    expect(defaultInBand(probe(1, 5, 50), field)).toBe(false); // beyond ×2 of the target
  });
  it('is contradicted when half the factor shows whole nuclei twice as large (an upscale)', () => {
    // ISBI synthetic ×4: ×1 sees 17-px pieces of 72-px nuclei; ×0.5 sees them whole at 36 px.
    expect(contradictsDefault(probe(1, 3, 17), probe(0.5, 2, 36))).toBe(true);
    // A native field: the half-factor probe sees the same nuclei at half the size.
    expect(contradictsDefault(probe(1, 6, 24), probe(0.5, 4, 12))).toBe(false);
    // One large object at ×0.5 (a cell cluster) is not enough.
    expect(contradictsDefault(probe(1, 6, 24), probe(0.5, 1, 60))).toBe(false);
    // A native CRIC val field (023fcddb…): the half probe merges touching nuclei into objects
    // implying ×2.3 larger nuclei, but at 16.8 px they are below the target size: no upscale.
    expect(contradictsDefault(probe(1, 23, 14.5), probe(0.5, 6, 16.8), 20)).toBe(false);
    // The floor scales with the target: the same pair is an upscale for a 12-px target.
    expect(contradictsDefault(probe(1, 23, 14.5), probe(0.5, 6, 16.8), 12)).toBe(true);
  });
});

describe('small-nuclei field check (mode from content, second look)', () => {
  it('takes ≥ 2 confident objects, none above 0.7 × the field target at ×1, for a field', () => {
    // ISBI synthetic val image 24 at ×0.5 (256²): at ×1 seven objects, median 8.5 px, largest 13.4.
    expect(smallNucleiField(probe(1, 7, 8.5, { largestDiameterPx: 13.4 }), 20)).toBe(true);
    // A Herlev cell at ×1: its nucleus measures ≥ 25 px there, whatever specks lie around it.
    expect(smallNucleiField(probe(1, 3, 10, { largestDiameterPx: 46 }), 20)).toBe(false);
    // One small object is not a field.
    expect(smallNucleiField(probe(1, 1, 9, { largestDiameterPx: 9 }), 20)).toBe(false);
    expect(FIELD_CHECK.maxRatio * 20).toBeCloseTo(14, 10);
  });
  it('runs for an uncertain nucleus, or for more specks than a Herlev cell shows', () => {
    const cell = probe(0.5, 1, 30, { whole: true, largestMeanProb: 0.995 });
    expect(fieldCheckGate(cell)).toBe(false);
    expect(fieldCheckGate({ ...cell, specks: 1 })).toBe(false); // Herlev train p95
    expect(fieldCheckGate({ ...cell, specks: FIELD_CHECK.gateSpecks })).toBe(true);
    expect(fieldCheckGate({ ...cell, largestMeanProb: 0.98 })).toBe(true);
  });
  it('counts the specks a probe drops (dark dots of a stub network that calls dark pixels nuclei)', async () => {
    await tf.setBackend('cpu');
    const model = {
      manifest: { input: { channels: 1, multiple: 16, minSize: 128 } } as SegManifest,
      version: 'stub',
      predict: (x: tf.Tensor4D) => tf.sub(1, x) as tf.Tensor4D,
      dispose: () => {},
    } satisfies SegModel;
    // 256² white image: one dark disc (Ø 40 px → 20 px at ×0.5) and three 6-px dots (3 px there).
    const img: RgbaImage = { width: 256, height: 256, data: new Uint8ClampedArray(256 * 256 * 4) };
    for (let y = 0; y < 256; y++)
      for (let x = 0; x < 256; x++) {
        const dot = [40, 90, 200].some((c) => Math.abs(x - c) < 3 && Math.abs(y - 30) < 3);
        const v = Math.hypot(x - 128, y - 128) < 20 || dot ? 0 : 255;
        img.data.set([v, v, v, 255], 4 * (y * 256 + x));
      }
    const before = tf.memory().numTensors;
    const p = await probeScale(img, model, 0.5, DEFAULT_PROBE_SIDE);
    expect(tf.memory().numTensors).toBe(before);
    expect([p.objects, p.specks]).toEqual([1, 3]);
    expect(p.largestMeanProb).toBeGreaterThan(FIELD_CHECK.gateMeanProb); // a certain nucleus…
    expect(fieldCheckGate(p)).toBe(true); // …that the specks still send to the check
  });
  it('is asked for only when a presumed cell is judged from content', async () => {
    expect(estimateOptions('cell', { modeFromContent: true }).fieldCheck).toEqual({
      scale: 1,
      typicalDiameterPx: 20,
    });
    expect(estimateOptions('cell').fieldCheck).toBeUndefined();
    expect(estimateOptions('field', { modeFromContent: true }).fieldCheck).toBeUndefined();
    const small = { width: 256, height: 256, data: new Uint8ClampedArray(256 * 256 * 4) };
    const asked: [string, EstimateContext | undefined][] = [];
    const seg = {
      estimateScale: async (_: RgbaImage, mode: string, how?: EstimateContext) => {
        asked.push([mode, how]);
        return { scale: 0.5, found: true, nucleusDiameterPx: 50, looksLikeCell: true, probes: [] };
      },
    } as unknown as SegAdapter;
    await chooseModeAndScale(small, seg, {});
    await chooseModeAndScale(small, seg, { mode: 'cell' });
    expect(asked.map(([m, how]) => [m, how?.modeFromContent])).toEqual([
      ['cell', true],
      ['cell', false],
    ]);
  });
});

describe('pooled slide windows (no half-probe floor)', () => {
  it('drops the floor only for a window whose size is pooled with others', async () => {
    expect(estimateOptions('field', { pooledWindow: true }).halfProbeMinRatio).toBe(0);
    expect(estimateOptions('field').halfProbeMinRatio).toBeUndefined();
    // The native CRIC val pair above: merged objects under the floor, an upscale without it.
    expect(contradictsDefault(probe(1, 23, 14.5), probe(0.5, 6, 16.8), 20, 0)).toBe(true);
    const field = { width: 1024, height: 1024, data: new Uint8ClampedArray(1024 * 1024 * 4) };
    const seen: (EstimateContext | undefined)[] = [];
    const seg = {
      estimateScale: async (_: RgbaImage, _mode: string, how?: EstimateContext) => {
        seen.push(how);
        return { scale: 1, found: true, nucleusDiameterPx: 30, looksLikeCell: false, probes: [] };
      },
    } as unknown as SegAdapter;
    await chooseModeAndScale(field, seg, { mode: 'field', pooledWindow: true });
    await chooseModeAndScale(field, seg, { mode: 'field' });
    expect(seen.map((h) => h?.pooledWindow)).toEqual([true, undefined]);
  });
});

describe('snapScale (octaves of the default)', () => {
  it('snaps estimates near default·2^k to it and leaves the rest', () => {
    expect(snapScale(0.8, 1)).toBe(1);
    expect(snapScale(1.8, 1)).toBe(2);
    expect(snapScale(0.23, 0.5)).toBe(0.25);
    expect(snapScale(1.45, 1)).toBe(1.45); // between octaves: kept as estimated
  });
});

describe('chooseModeAndScale (priority: user, automatic, default)', () => {
  const img: RgbaImage = { width: 600, height: 400, data: new Uint8ClampedArray(600 * 400 * 4) };
  let calls = 0;
  const seg = {
    estimateScale: async () => {
      calls++;
      return { scale: 0.5, found: true, nucleusDiameterPx: 40, looksLikeCell: false, probes: [] };
    },
  } as unknown as SegAdapter;

  it('uses the automatic estimate by default (field target 20 px: 40-px nuclei → ×0.5)', async () => {
    expect(await chooseModeAndScale(img, seg, {})).toMatchObject({
      mode: 'field',
      modeFrom: 'content',
      scale: 0.5,
      scaleSource: 'auto',
    });
  });
  it('lets a user scale or pixel size win', async () => {
    expect(await chooseModeAndScale(img, seg, { scale: 2 })).toMatchObject({
      scale: 2,
      scaleSource: 'user',
    });
    expect(await chooseModeAndScale(img, seg, { pixelSizeUm: 0.346 })).toMatchObject({
      scaleSource: 'user',
    });
    expect(scaleFromPixelSize(2 * WORKING_PIXEL_UM)).toBeCloseTo(2, 10);
    calls = 0;
    expect(await chooseModeAndScale(img, seg, { mode: 'cell', scale: 1 })).toMatchObject({
      mode: 'cell',
      modeFrom: 'user',
    });
    expect(calls).toBe(0); // nothing left to estimate: no coarse pass
  });
  it('falls back to size and the model default without a segmentation model', async () => {
    expect(await chooseModeAndScale(img, undefined, {})).toMatchObject({
      mode: 'field',
      modeFrom: 'size',
      scale: 1,
      scaleSource: 'default',
    });
    const small = { ...img, width: 128, height: 128, data: new Uint8ClampedArray(128 * 128 * 4) };
    expect(await chooseModeAndScale(small, undefined, {})).toMatchObject({
      mode: 'cell',
      scale: 0.5,
    });
  });
  it('measures again with the field band when a small image turns out to be a field crop', async () => {
    // A 256² crop of a CRIC field: the cell-band pass (×0.5) accepts its 40-px nuclei at once,
    // but the content says field, and the field band keeps the field's own factor ×1.
    const crop = { width: 256, height: 256, data: new Uint8ClampedArray(256 * 256 * 4) };
    const asked: string[] = [];
    const byMode = {
      estimateScale: async (_: RgbaImage, mode: string) => {
        asked.push(mode);
        return mode === 'cell'
          ? {
              scale: 0.5,
              found: true,
              nucleusDiameterPx: 40,
              looksLikeCell: false,
              atDefault: true,
              probes: [],
            }
          : {
              scale: 1,
              found: true,
              nucleusDiameterPx: 36,
              looksLikeCell: false,
              atDefault: true,
              probes: [],
            };
      },
    } as unknown as SegAdapter;
    expect(await chooseModeAndScale(crop, byMode, {})).toMatchObject({
      mode: 'field',
      modeFrom: 'content',
      scale: 1,
      scaleSource: 'auto',
    });
    expect(asked).toEqual(['cell', 'field']);
  });
  it('does not measure again when the first pass searched (its size holds for either mode)', async () => {
    // ISBI synthetic at ×0.5 (256²): the search finds 9-px nuclei; the field band at ×1 would
    // accept one 13-px speck on the whole image and keep ×1.
    const small = { width: 256, height: 256, data: new Uint8ClampedArray(256 * 256 * 4) };
    const asked: string[] = [];
    const searched = {
      estimateScale: async (_: RgbaImage, mode: string) => {
        asked.push(mode);
        return {
          scale: 2.7,
          found: true,
          nucleusDiameterPx: 9.2,
          looksLikeCell: false,
          probes: [],
        };
      },
    } as unknown as SegAdapter;
    expect(await chooseModeAndScale(small, searched, {})).toMatchObject({
      mode: 'field',
      scale: 2,
    });
    expect(asked).toEqual(['cell']);
  });
  it('rejects a bad scale with a clear message', async () => {
    await expect(chooseModeAndScale(img, seg, { scale: -1 })).rejects.toThrow(/positive/);
  });
});
