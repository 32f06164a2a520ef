import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/data/paths';
import { fieldsReport, type FieldNucleusInput } from '../src/core/metrics/fields';
import {
  MORPH_FEATURES,
  SCREEN_FORMAT,
  morphVector,
  otherProbability,
  parseScreenModel,
  screenPrediction,
  serializeScreenModel,
  type ScreenModel,
} from '../src/core/classify/other-gate';
import type { CellPrediction } from '../src/core/classify/fusion';
import { nucleusToInput } from '../src/cli/commands/eval-fields';
import type { Nucleus } from '../src/core/types';

/** A 10×10 square nucleus at (x, y). */
function sq(
  x: number,
  y: number,
  abnormal: boolean,
  p: number,
  setAside = false,
): FieldNucleusInput {
  return {
    contour: [
      [x, y],
      [x + 10, y],
      [x + 10, y + 10],
      [x, y + 10],
    ],
    abnormal,
    abnormalProbability: p,
    setAside,
  };
}

describe('fieldsReport (screening metrics of whole fields)', () => {
  // Field A: 4 nuclei. Labelled: abnormal in n0 (called), abnormal in n1 (not called),
  // NILM in n2 (called abnormal), abnormal point outside every nucleus (missed).
  // n3 is an unlabelled object called abnormal. Field B: no labels, one call, one Other.
  const a = {
    name: 'A',
    ms: 100,
    nuclei: [
      sq(0, 0, true, 0.9),
      sq(20, 0, false, 0.2),
      sq(40, 0, true, 0.7),
      sq(60, 0, true, 0.8),
    ],
    points: [
      { x: 5, y: 5, abnormal: true },
      { x: 25, y: 5, abnormal: true },
      { x: 45, y: 5, abnormal: false },
      { x: 100, y: 100, abnormal: true },
    ],
  };
  const b = {
    name: 'B',
    ms: 300,
    nuclei: [sq(0, 0, true, 0.6), sq(20, 0, false, 0.95, true)],
    points: [],
  };
  const r = fieldsReport([a, b]);

  it('counts and ratios follow the documented definitions', () => {
    expect(r.fields).toBe(2);
    expect(r.nuclei).toBe(6);
    expect(r.labelled_cells).toBe(4);
    expect(r.point_recall).toBeCloseTo(3 / 4);
    // 3 labelled abnormal: one found and called, one found not called, one not found.
    expect(r.abnormal_sensitivity).toBeCloseTo(1 / 3);
    expect(r.counts.abnormal_cells_found).toBe(2);
    // Calls: A n0, n2, n3; B n0 → 4; one of them on a labelled abnormal nucleus.
    expect(r.abnormal_calls).toBe(4);
    expect(r.abnormal_call_precision).toBeCloseTo(1 / 4);
    expect(r.calls_per_field_without_abnormal_label).toBeCloseTo(3 / 2);
    expect(r.nilm_cells_called_abnormal).toBeCloseTo(1);
    expect(r.counts.set_aside).toBe(1);
    expect(r.median_field_ms).toBe(200);
  });

  it('ranks the batch by P(abnormal) without set-aside objects', () => {
    // Ranked (Other excluded): 0.9 (hit), 0.8, 0.7, 0.6, 0.2 (hit).
    expect(r.ranking_precision_at['10']).toBeCloseTo(2 / 5);
    const top1 = fieldsReport([{ ...a, nuclei: a.nuclei.slice(0, 1) }]);
    expect(top1.ranking_precision_at['10']).toBe(1);
  });

  it('field rule: a field is flagged with at least k calls', () => {
    expect(r.field_level).toMatchObject({ abnormal_fields: 1, normal_fields: 1 });
    expect(r.field_level.abnormal_fields_flagged).toBe(1);
    expect(r.field_level.normal_fields_flagged).toBe(1);
    const k2 = fieldsReport([a, b], 2).field_level;
    expect(k2.abnormal_fields_flagged).toBe(1);
    expect(k2.normal_fields_flagged).toBe(0);
  });

  it('the analyze nucleus → screening call: the abnormal flag, else (old results) the argmax', () => {
    const n = {
      contour: [],
      label: 'HSIL',
      abnormalProbability: 0.6,
    } as unknown as Nucleus;
    expect(nucleusToInput(n).abnormal).toBe(true);
    expect(nucleusToInput({ ...n, abnormal: false }).abnormal).toBe(false);
    expect(nucleusToInput({ ...n, label: 'Other' }).setAside).toBe(true);
  });
});

describe('Other gate and the seven-class prediction', () => {
  const bethesda: CellPrediction = {
    logits: [],
    probabilities: [0.5, 0.1, 0.1, 0.1, 0.1, 0.1],
    label: 'NILM',
    confidence: 0.5,
    abnormalProbability: 0.5,
    abnormal: true,
    lowConfidence: false,
  };

  it('P(abnormal) is the sum of the abnormal classes after the gate, argmax includes Other', () => {
    const s = screenPrediction(bethesda, 0.6, 0.3, 0.5);
    expect(s.probabilities).toHaveLength(7);
    expect(s.probabilities.reduce((x, y) => x + y, 0)).toBeCloseTo(1);
    expect(s.label).toBe('Other');
    expect(s.abnormalProbability).toBeCloseTo(0.5 * 0.4);
    expect(s.abnormal).toBe(false);
    const kept = screenPrediction(bethesda, 0.1, 0.3, 0.5);
    expect(kept.label).toBe('NILM');
    expect(kept.abnormalProbability).toBeCloseTo(0.45);
    expect(kept.abnormal).toBe(true);
  });

  it('gate: P(Other) = 1 − min(1, s/c), survives the file round trip, refuses bad files', () => {
    // A morphometrics-only gate whose logit difference is (z-scored log area) × 2.
    const model: ScreenModel = {
      format: SCREEN_FORMAT,
      clsVersion: 'cls-x',
      morph: { names: [...MORPH_FEATURES], mean: [5, 0, 0, 0, 0], std: [1, 1, 1, 1, 1] },
      fusedDim: 3,
      fusedRanges: [[1, 2]],
      classInputs: false,
      mlp: {
        inputDim: 6,
        hidden: 1,
        outputs: 2,
        w1: new Float32Array([0, 1, 0, 0, 0, 0]),
        b1: new Float32Array([10]),
        w2: new Float32Array([0, 2]),
        b2: new Float32Array([0, -20]),
      },
      labelFrequency: 0.5,
      abnormalThreshold: 0.3,
      fieldMinCalls: 2,
      meta: {},
    };
    const fused = new Float32Array([0, 0, 0]);
    // morph z of log area = 1 → hidden = 11, logits [0, 2] → s = sigmoid(2) = 0.881 → s/c > 1.
    expect(otherProbability(model, fused, [6, 0, 0, 0, 0])).toBe(0);
    // z = -1 → hidden 9 → logits [0, -2] → s = 0.119 → P(Other) = 1 − 0.238.
    const p = otherProbability(model, fused, [4, 0, 0, 0, 0]);
    expect(p).toBeCloseTo(1 - (2 * 1) / (1 + Math.exp(2)), 5);
    const back = parseScreenModel(JSON.parse(JSON.stringify(serializeScreenModel(model))));
    expect(otherProbability(back, fused, [4, 0, 0, 0, 0])).toBeCloseTo(p, 5);
    expect(() =>
      parseScreenModel({ ...serializeScreenModel(model), fusedRanges: [[0, 9]] }),
    ).toThrow(/input size/);
    expect(() => parseScreenModel({ format: 'nope' })).toThrow(/paplens-screen-v1/);
  });
});

const screenPath = join(REPO_ROOT, 'public', 'models', 'screen', 'model.json');
const clsPath = join(REPO_ROOT, 'public', 'models', 'cls', 'model.json');
describe.skipIf(!existsSync(screenPath) || !existsSync(clsPath))(
  'shipped screen model (public/models/screen)',
  () => {
    it('parses, belongs to the shipped classifier and carries a val-chosen operating point', () => {
      const m = parseScreenModel(JSON.parse(readFileSync(screenPath, 'utf8')));
      const cls = JSON.parse(readFileSync(clsPath, 'utf8')) as { meta: { version: string } };
      expect(m.clsVersion).toBe(cls.meta.version);
      expect(m.abnormalThreshold).toBeGreaterThan(0);
      expect(m.abnormalThreshold).toBeLessThan(1);
      expect(m.fieldMinCalls).toBeGreaterThanOrEqual(1);
      expect(m.labelFrequency).toBeGreaterThan(0);
      expect(m.labelFrequency).toBeLessThanOrEqual(1);
      // Small pale debris-sized blob vs a large intermediate-cell nucleus (working-scale px).
      const fused = new Float32Array(m.fusedDim);
      const small = otherProbability(
        m,
        fused,
        morphVector({
          areaPx: 150,
          perimeterPx: 45,
          circularity: 0.9,
          eccentricity: 0.4,
          meanIntensity: 0.2,
        }),
      );
      const large = otherProbability(
        m,
        fused,
        morphVector({
          areaPx: 1500,
          perimeterPx: 145,
          circularity: 0.9,
          eccentricity: 0.6,
          meanIntensity: 0.3,
        }),
      );
      expect(small).toBeGreaterThan(large);
    });
  },
);

describe('PU gate training (smoke test of what scripts/train-screen.ts does)', () => {
  it('learns labelled vs unlabelled from morphometrics; c turns s(x) into P(Other)', async () => {
    const { trainMlp } = await import('../src/core/classify/mlp');
    // Synthetic nuclei: epithelial ones large (log area ~7), Other small (~5.5); only half of the
    // epithelial ones are labelled, as in CRIC.
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const make = (n: number, logArea: number, labelled: (i: number) => boolean) =>
      Array.from({ length: n }, (_, i) => ({
        morph: [logArea + 0.4 * rnd(), 80 + 10 * rnd(), 0.8, 0.5, 0.3],
        labelled: labelled(i),
      }));
    const recs = [...make(200, 7, (i) => i % 2 === 0), ...make(200, 5.5, () => false)];
    const proto: ScreenModel = {
      format: SCREEN_FORMAT,
      clsVersion: 'x',
      morph: {
        names: [...MORPH_FEATURES],
        mean: [6.2, 80, 0.8, 0.5, 0.3],
        std: [0.8, 10, 1, 1, 1],
      },
      fusedDim: 1,
      fusedRanges: [],
      classInputs: false,
      mlp: {
        inputDim: 5,
        hidden: 4,
        outputs: 2,
        w1: new Float32Array(20),
        b1: new Float32Array(4),
        w2: new Float32Array(8),
        b2: new Float32Array(2),
      },
      labelFrequency: 1,
      abnormalThreshold: 0.5,
      fieldMinCalls: 1,
      meta: {},
    };
    const fused = new Float32Array(1);
    const { gateInput } = await import('../src/core/classify/other-gate');
    const x = recs.map((r) => gateInput(proto, fused, r.morph));
    const y = recs.map((r) => (r.labelled ? 1 : 0));
    const res = trainMlp(x, y, x, y, 2, {
      hidden: 4,
      maxEpochs: 100,
      learningRate: 1e-2,
      classWeights: [1, 3],
      seed: 1,
    });
    const gate: ScreenModel = { ...proto, mlp: res.params };
    const s = recs.filter((r) => r.labelled).map((r) => 1 - otherProbability(gate, fused, r.morph));
    gate.labelFrequency = s.reduce((a, b) => a + b, 0) / s.length;
    const pSmall = otherProbability(gate, fused, [5.5, 80, 0.8, 0.5, 0.3]);
    const pLarge = otherProbability(gate, fused, [7, 80, 0.8, 0.5, 0.3]);
    expect(pSmall).toBeGreaterThan(0.8);
    expect(pLarge).toBeLessThan(0.2);
  });
});
