import { describe, expect, it } from 'vitest';
import { analyze } from '../src/core/analyze';
import { trainFusion } from '../src/core/classify/train';
import {
  cellImageFeatures,
  herlevFromProbabilities,
  measuredNote,
  type CellClassifier,
} from '../src/core/cell/herlev-classifier';
import { HERLEV_CLASSES } from '../src/core/herlev';
import type { RgbaImage } from '../src/core/image/types';
import { DEFAULT_CELL_PIPELINE } from '../src/core/pipeline/cell-features';
import type { PipelineModels } from '../src/core/pipeline/models';
import { CLASS_NAMES } from '../src/core/types';

/** A pale cell with a dark nucleus of radius r; `textured` adds chromatin-like noise. */
function cell(side: number, r: number, textured: boolean, seed: number): RgbaImage {
  let s = seed;
  const rand = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const data = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const d = Math.hypot(x - side / 2, y - side / 2);
      let v = d < r ? 80 : d < 2.5 * r ? 185 : 225;
      if (d < r && textured) v += (rand() - 0.5) * 120;
      data.set([v, v - 10, v + 20, 255], 4 * (y * side + x));
    }
  return { width: side, height: side, data };
}

async function toyCellClassifier(): Promise<CellClassifier> {
  const sets = {
    train: { features: [] as Awaited<ReturnType<typeof cellImageFeatures>>[], y: [] as number[] },
    val: { features: [] as Awaited<ReturnType<typeof cellImageFeatures>>[], y: [] as number[] },
  };
  let seed = 1;
  for (const part of ['train', 'val'] as const)
    for (let i = 0; i < (part === 'train' ? 40 : 20); i++) {
      const textured = i % 2 === 1;
      sets[part].features.push(
        await cellImageFeatures(
          cell(96, 14 + (i % 5), textured, seed++),
          {},
          ['lbp'],
          DEFAULT_CELL_PIPELINE,
        ),
      );
      // normal_intermediate vs severe_dysplastic
      sets[part].y.push(textured ? 5 : 1);
    }
  const fusion = trainFusion(sets.train, sets.val, {
    groups: ['lbp'],
    classes: HERLEV_CLASSES,
    mlp: { hidden: 8, maxEpochs: 60, patience: 10, seed: 2 },
    meta: { version: 'toy-cell' },
  }).model;
  fusion.abnormalThreshold = 0.5;
  return { fusion, extractors: {}, version: 'toy-cell', dispose: () => undefined };
}

describe('single-cell (Herlev) classifier output', () => {
  it('sums the 7 classes into Bethesda categories and P(abnormal)', () => {
    const p = [0.1, 0.05, 0.05, 0.3, 0.1, 0.3, 0.1];
    const r = herlevFromProbabilities(p, 0.7, 0.5);
    expect(r.herlevLabel).toBe('light_dysplastic');
    expect(r.abnormalProbability).toBeCloseTo(0.8, 10);
    expect(r.abnormal).toBe(true);
    const b = Object.fromEntries(CLASS_NAMES.map((c, i) => [c, r.probabilities[i]]));
    expect(b.NILM).toBeCloseTo(0.2, 10);
    expect(b.LSIL).toBeCloseTo(0.3, 10);
    expect(b.HSIL).toBeCloseTo(0.5, 10);
    expect(b['ASC-US'] + b['ASC-H'] + b.SCC).toBe(0);
    expect(r.label).toBe('HSIL');
    expect(r.lowConfidence).toBe(true);
    expect(herlevFromProbabilities(p, 0.81, 0.5).abnormal).toBe(false);
  });

  it('analyze (cell mode) gives the primary nucleus the 7 Herlev probabilities, label and call', async () => {
    const clf = await toyCellClassifier();
    const models: PipelineModels = {
      extractors: {},
      cell: clf,
      missing: [],
      versions: {},
      dispose: () => undefined,
    };
    const r = await analyze(cell(200, 20, true, 99), models, { mode: 'cell' });
    expect(r.herlevClasses).toEqual([...HERLEV_CLASSES]);
    const n = r.nuclei[0];
    expect(n.primary).toBe(true);
    expect(n.herlevProbabilities).toHaveLength(7);
    expect(n.herlevProbabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(HERLEV_CLASSES).toContain(n.herlevLabel);
    const abn = n.herlevProbabilities!.slice(3).reduce((a, b) => a + b, 0);
    expect(n.abnormalProbability).toBeCloseTo(abn, 10);
    expect(n.abnormal).toBe(abn >= 0.5);
    expect(n.probabilities).toHaveLength(6);
    // No recorded test figures in the toy model: the app says so instead of inventing them.
    expect(r.warnings).toContain(measuredNote(clf.fusion));
    expect(r.warnings.join(' ')).toMatch(/no recorded Herlev test figures/);
    expect(r.warnings.join(' ')).not.toMatch(/not validated/);
  });

  it('the measured note quotes the recorded test figures', () => {
    const note = measuredNote({
      meta: {
        test: {
          cells: 154,
          accuracy7: 0.623,
          sensitivity: 0.974,
          specificity: 0.9,
          auc: 0.97,
          command: 'x',
        },
      },
    } as unknown as Parameters<typeof measuredNote>[0]);
    expect(note).toMatch(/154 held-out Herlev test cells/);
    expect(note).toMatch(/7-class accuracy 62%/);
    expect(note).toMatch(/sensitivity 97% at specificity 90%/);
  });
});
