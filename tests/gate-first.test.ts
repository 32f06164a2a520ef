// Issue 13: objects the morphometric Other gate labels Other skip the classifier. The screening
// outputs must be exactly those of the full path; only the six-class split is not computed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { runCli } from './support/run-cli';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze } from '../src/core/analyze';
import {
  morphVector,
  otherProbability,
  screenPrediction,
  SCREEN_FORMAT,
  type ScreenModel,
} from '../src/core/classify/other-gate';
import { classifySetAside } from '../src/core/pipeline/classify-set-aside';
import { isSetAside } from '../src/core/pipeline/set-aside';
import type { AnalysisResult } from '../src/core/types';
import { resizeRgba } from '../src/core/image/ops';
import { gateRunsFirst, settleByGate } from '../src/core/pipeline/gate-first';
import { loadPipelineModels, type PipelineModels } from '../src/core/pipeline/models';
import { syntheticSegImage } from '../src/core/segment/bench';
import { MORPH_FEATURES } from '../src/core/classify/other-gate';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';
import { mulberry32 } from '../src/core/util/random';

/** A morphometrics-only gate whose logit difference is 3 × (z-scored log area). */
function areaGate(over: Partial<ScreenModel> = {}): ScreenModel {
  return {
    format: SCREEN_FORMAT,
    clsVersion: 'cls-x',
    morph: { names: [...MORPH_FEATURES], mean: [5, 0, 0, 0, 0], std: [1, 1, 1, 1, 1] },
    fusedDim: 4,
    fusedRanges: [],
    classInputs: false,
    mlp: {
      inputDim: 5,
      hidden: 1,
      outputs: 2,
      w1: new Float32Array([1, 0, 0, 0, 0]),
      b1: new Float32Array([10]),
      w2: new Float32Array([0, 3]),
      b2: new Float32Array([0, -30]),
    },
    labelFrequency: 0.6,
    abnormalThreshold: 0.3,
    fieldMinCalls: 1,
    meta: {},
    ...over,
  };
}

const morph = (areaPx: number): Parameters<typeof settleByGate>[1] => ({
  areaPx,
  perimeterPx: 2 * Math.sqrt(Math.PI * areaPx),
  circularity: 0.9,
  eccentricity: 0.3,
  meanIntensity: 0.3,
});

describe('settleByGate', () => {
  it('settles exactly the objects the full path labels Other, with the same P(Other)', () => {
    const gate = areaGate();
    const rand = mulberry32(5);
    let settled = 0;
    let kept = 0;
    for (let k = 0; k < 400; k++) {
      const m = morph(Math.exp(3 + 4 * rand()));
      const early = settleByGate(gate, m, 1, 0.5);
      // Any six-class prediction the CNNs might give.
      const raw = Array.from({ length: 6 }, () => rand() ** 4);
      const sum = raw.reduce((a, b) => a + b, 0);
      const pred = {
        logits: [],
        probabilities: raw.map((v) => v / sum),
        label: 'NILM' as const,
        confidence: 0,
        abnormalProbability: 0,
        abnormal: false,
        lowConfidence: false,
      };
      const q = otherProbability(gate, new Float32Array(4), morphVector(m));
      const full = screenPrediction(pred, q, gate.abnormalThreshold, 0.5);
      if (early) {
        settled++;
        expect(full.label).toBe('Other');
        expect(full.abnormal).toBe(false);
        expect(early.confidence).toBe(full.confidence);
        expect(early.lowConfidence).toBe(full.lowConfidence);
        expect(early.probabilities).toBeNull();
        expect(early.abnormalProbability).toBeNull();
      } else {
        kept++;
        expect(q).toBeLessThanOrEqual(0.5);
      }
    }
    // Both outcomes occur, so the check above is not vacuous.
    expect(settled).toBeGreaterThan(50);
    expect(kept).toBeGreaterThan(50);
  });

  it('never settles with a gate that reads the classifier, or below the label boundary', () => {
    const small = morph(20);
    expect(settleByGate(areaGate(), small, 1, 0.5)).not.toBeNull();
    expect(gateRunsFirst(areaGate({ fusedRanges: [[0, 2]] }))).toBe(false);
    expect(settleByGate(areaGate({ fusedRanges: [[0, 2]] }), small, 1, 0.5)).toBeNull();
    expect(settleByGate(areaGate({ classInputs: true }), small, 1, 0.5)).toBeNull();
    expect(settleByGate(areaGate(), small, 1, 0.5, 0.4)).toBeNull();
  });
});

const shipped = existsSync(join(REPO_ROOT, 'public', 'models', 'screen', 'model.json'));
describe.skipIf(!shipped)('analyze, field mode, shipped models', () => {
  let models: PipelineModels;
  beforeAll(async () => {
    await initNodeTf();
    models = await loadPipelineModels(nodeModelSource());
  }, 120_000);
  afterAll(() => models?.dispose());

  it('objects without class probabilities are those the full path sets aside, identically; "classify anyway" gives that path', async () => {
    expect(models.screen && gateRunsFirst(models.screen)).toBe(true);
    // Small and large dark blobs: the gate sets some aside and keeps others.
    const img = syntheticSegImage(640, 480, 24, 9, 31);
    const r = await analyze(img, models, { mode: 'field' });
    const early = r.nuclei.filter((n) => n.probabilities === null);
    const classified = r.nuclei.filter((n) => n.probabilities !== null);
    expect(early.length).toBeGreaterThan(0);
    expect(classified.length).toBeGreaterThan(0);
    for (const n of early) {
      expect(n.label).toBe('Other');
      expect(n.abnormal).toBe(false);
      // The full path, as "classify anyway" runs it: still Other, same P(Other), now a split.
      const full = await classifySetAside(img, n, r.scale, models);
      expect(full.classifiedOnRequest).toBe(true);
      expect(full.label).toBe('Other');
      expect(full.abnormal).toBe(false);
      expect(full.confidence).toBeCloseTo(n.confidence!, 6);
      expect(full.probabilities).toHaveLength(7);
      expect(full.probabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(full.abnormalProbability).not.toBeNull();
      expect([full.id, full.contour, full.morphometrics]).toEqual([
        n.id,
        n.contour,
        n.morphometrics,
      ]);
    }
    for (const n of classified) {
      expect(n.probabilities).toHaveLength(7);
      expect(n.probabilities![6]).toBeLessThanOrEqual(0.5);
    }
    // On an object the analysis classified, the same crop and code give its own answer back.
    for (const n of classified.slice(0, 3)) {
      const again = await classifySetAside(img, n, r.scale, models);
      expect(again.label).toBe(n.label);
      again.probabilities!.forEach((p, k) => expect(p).toBeCloseTo(n.probabilities![k], 5));
    }
  }, 300_000);

  it('"classify anyway" crops from the working-scale image of an analysis not at ×1 (own answers back)', async () => {
    // The test field above at twice its size, analysed at ×0.5: the same nuclei at working scale.
    const img = resizeRgba(syntheticSegImage(640, 480, 24, 9, 31), 1280, 960);
    const r = await analyze(img, models, { mode: 'field', scale: 0.5 });
    expect(r.scale).toBe(0.5);
    const classified = r.nuclei.filter((n) => n.probabilities !== null);
    expect(classified.length).toBeGreaterThan(0);
    const tensors = tf.memory().numTensors;
    for (const n of classified.slice(0, 3)) {
      const again = await classifySetAside(img, n, r.scale, models);
      again.probabilities!.forEach((p, k) => expect(p).toBeCloseTo(n.probabilities![k], 5));
    }
    // Every tensor of the on-request path is disposed.
    expect(tf.memory().numTensors).toBe(tensors);
  }, 300_000);

  it('the CLI table says "no" (not "–") for the screening call of an object set aside first', async () => {
    const img = syntheticSegImage(640, 480, 24, 9, 31);
    const dir = mkdtempSync(join(tmpdir(), 'paplens-gate-first-'));
    try {
      const file = join(dir, 'field.png');
      writeFileSync(
        file,
        encodePng({ width: img.width, height: img.height, data: img.data, channels: 4, depth: 8 }),
      );
      const r = await runCli(['analyze', file, '--mode', 'field']);
      expect(r.code, r.err).toBe(0);
      const other = r.out.split('\n').filter((l) => /\sOther\s/.test(l));
      expect(other.length).toBeGreaterThan(0);
      // Columns: … label, confidence, p_abnormal (–: not computed), flagged, low_conf.
      for (const l of other) expect(l).toMatch(/Other\s+0\.\d+\s+(–|0\.\d+)\s+no\s+(no|yes)\s*$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('paplens analyze --classify-set-aside: every set-aside object classified as "Classify anyway" does, on pool threads too', async () => {
    const img = syntheticSegImage(640, 480, 24, 9, 31);
    const dir = mkdtempSync(join(tmpdir(), 'paplens-set-aside-'));
    try {
      const png = encodePng({
        width: img.width,
        height: img.height,
        data: img.data,
        channels: 4,
        depth: 8,
      });
      // Two files: the batch runs on two analysis threads (worker-api.ts), not in this process.
      const files = ['a.png', 'b.png'].map((f) => join(dir, f));
      for (const f of files) writeFileSync(f, png);
      const json = join(dir, 'out.json');
      const r = await runCli([
        'analyze',
        ...files,
        '--mode',
        'field',
        '--classify-set-aside',
        '--json',
        json,
      ]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/on_request/);
      const out = JSON.parse(readFileSync(json, 'utf8')) as { images: AnalysisResult[] };
      const plain = await analyze(img, models, { mode: 'field' });
      const setAside = plain.nuclei.filter(isSetAside);
      expect(setAside.length).toBeGreaterThan(0);
      for (const res of out.images) {
        expect(res.nuclei.filter(isSetAside)).toHaveLength(0);
        expect(res.nuclei.map((n) => n.label)).toEqual(plain.nuclei.map((n) => n.label));
        for (const n of setAside) {
          const got = res.nuclei.find((x) => x.id === n.id)!;
          const want = await classifySetAside(img, n, plain.scale, models);
          expect(got.classifiedOnRequest).toBe(true);
          expect(got.label).toBe('Other');
          got.probabilities!.forEach((p, k) => expect(p).toBeCloseTo(want.probabilities![k], 5));
        }
        // The objects the analysis classified are untouched.
        for (const n of plain.nuclei.filter((x) => !isSetAside(x)))
          expect(res.nuclei.find((x) => x.id === n.id)!.classifiedOnRequest).toBeUndefined();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
