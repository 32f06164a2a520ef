/**
 * Train the field-mode Other gate (positive-unlabelled) and choose the screening operating point
 * on val, from the per-nucleus cache of scripts/dump-fields.ts (same analysis as the app):
 *
 *   npx tsx scripts/train-screen.ts [--cache .cache/fields] [--ship] [--report-test]
 *
 * Positives = nuclei of CRIC *train* fields that contain a labelled point (any class); unlabelled =
 * the other nuclei, except those in the unmarked right strip (CRIC has no marks in its rightmost
 * ~107 px) which are left out. Early stopping on the same task on val fields. The gate's
 * P(labelled) is turned into P(epithelial) with the Elkan–Noto constant c (mean over labelled val
 * nuclei). Several input sets are compared on val; the operating point (threshold on
 * P(abnormal) = sum of the abnormal classes after the gate, and the calls that make a field
 * abnormal) is chosen on val only. `--ship` writes public/models/screen/model.json.
 * `--report-test` also prints the test figures of the shipped choice (never used to choose).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFusionModel } from '../src/core/classify/model-io';
import { trainMlp } from '../src/core/classify/mlp';
import {
  MORPH_FEATURES,
  SCREEN_FORMAT,
  gateInput,
  gateInputDim,
  morphVector,
  otherProbability,
  parseScreenModel,
  screenPrediction,
  serializeScreenModel,
  type ScreenModel,
} from '../src/core/classify/other-gate';
import { rocAuc } from '../src/core/metrics/classification';
import { fieldsReport, matchPoint, type FieldInput } from '../src/core/metrics/fields';
import type { AnalysisResult } from '../src/core/types';
import { readCricCells, type CricCell } from '../src/data/datasets';
import { REPO_ROOT, hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { loadSplit, type Part } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';

const { values } = parseArgs({
  options: {
    cache: { type: 'string', default: join(REPO_ROOT, '.cache', 'fields') },
    ship: { type: 'boolean', default: false },
    'report-test': { type: 'boolean', default: false },
    hidden: { type: 'string', default: '16' },
    config: { type: 'string' },
    'max-calls': { type: 'string', default: '3' },
    table: { type: 'string' },
    'abn-copies': { type: 'string', default: '1' },
  },
});

/** CRIC leaves its rightmost ~107 px unmarked (../shared/README.md). */
const UNMARKED_STRIP_PX = 107;

interface Rec {
  field: string;
  fused: Float32Array;
  morph: number[];
  probs: number[];
  labelled: boolean;
  labelledAbnormal: boolean;
  inStrip: boolean;
}
interface Field {
  name: string;
  result: AnalysisResult;
  recs: Rec[];
  cells: CricCell[];
}

function loadField(dir: string, name: string, cells: CricCell[]): Field | null {
  const base = join(dir, name.replace(/\.[^.]+$/, ''));
  if (!existsSync(base + '.json') || !existsSync(base + '.f32')) return null;
  const result = JSON.parse(readFileSync(base + '.json', 'utf8')) as AnalysisResult & {
    fusedDim: number;
  };
  const buf = readFileSync(base + '.f32');
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const dim = result.fusedDim;
  const nuclei = result.nuclei;
  const lab = new Array<boolean>(nuclei.length).fill(false);
  const labAbn = new Array<boolean>(nuclei.length).fill(false);
  const inputs = nuclei.map((n) => ({
    contour: n.contour,
    abnormal: false,
    abnormalProbability: 0,
  }));
  for (const c of cells) {
    const i = matchPoint(c.x, c.y, inputs);
    if (i < 0) continue;
    lab[i] = true;
    if (c.label !== 'NILM') labAbn[i] = true;
  }
  const recs = nuclei.map((n, i) => ({
    field: name,
    fused: all.slice(i * dim, (i + 1) * dim),
    morph: morphVector(n.morphometrics, result.scale),
    probs: n.probabilities!,
    labelled: lab[i],
    labelledAbnormal: labAbn[i],
    inStrip: n.centroid.x > result.image.width - UNMARKED_STRIP_PX,
  }));
  return { name, result, recs, cells };
}

function meanStd(rows: number[][]): { mean: number[]; std: number[] } {
  const d = rows[0].length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const r of rows) r.forEach((v, j) => (mean[j] += v / rows.length));
  for (const r of rows) r.forEach((v, j) => (std[j] += (v - mean[j]) ** 2 / rows.length));
  return { mean, std: std.map((s) => Math.sqrt(s) || 1) };
}

/** Field inputs for the metrics, with the gate (or without: model null) at a threshold. */
function screenFields(
  fields: Field[],
  model: ScreenModel | null,
  threshold: number,
  lowConf: number,
  pOtherCache?: Map<Rec, number>,
): FieldInput[] {
  return fields.map((f) => ({
    name: f.name,
    ms: f.result.timings.find((t) => t.stage === 'total')?.ms,
    points: f.cells.map((c) => ({ x: c.x, y: c.y, abnormal: c.label !== 'NILM' })),
    nuclei: f.recs.map((r, i) => {
      const contour = f.result.nuclei[i].contour;
      const base = {
        logits: [],
        probabilities: r.probs,
        label: 'NILM' as const,
        confidence: 0,
        abnormalProbability: 1 - r.probs[0],
        abnormal: false,
        lowConfidence: false,
      };
      let pOther = 0;
      if (model) {
        pOther = pOtherCache?.get(r) ?? otherProbability(model, r.fused, r.morph, r.probs);
        pOtherCache?.set(r, pOther);
      }
      const s = screenPrediction(base, pOther, threshold, lowConf);
      return {
        contour,
        abnormal: s.abnormal,
        abnormalProbability: s.abnormalProbability,
        setAside: s.label === 'Other',
      };
    }),
  }));
}

async function main(): Promise<void> {
  if (!hasData()) {
    console.log(NO_DATA_MESSAGE);
    return;
  }
  const cls = await loadFusionModel(nodeModelSource());
  const clsVersion = String(cls.meta.version ?? 'cls');
  const split = loadSplit('cric');
  const allCells = readCricCells();
  const cellsOf = (f: string): CricCell[] => allCells.filter((c) => c.field === f);
  const load = (part: Part): Field[] =>
    split.parts[part]
      .map((f) => loadField(values.cache!, f, cellsOf(f)))
      .filter((f): f is Field => f !== null);
  const train = load('train');
  const val = load('val');
  console.log(
    `cache: train ${train.length}/${split.parts.train.length} fields, val ${val.length}/${split.parts.val.length}`,
  );
  // The gate's inputs are morphometrics of one segmenter's nuclei: a cache mixing segmenters (or
  // made with another one than the shipped) would fit and choose the operating point on the wrong ones.
  const segVersions = new Set([...train, ...val].map((f) => f.result.modelVersions.seg));
  if (segVersions.size !== 1)
    throw new Error(`the cache mixes segmentation models: ${[...segVersions].join(', ')}`);
  const segVersion = [...segVersions][0];
  // Fused-vector blocks, in the classifier's group order.
  const blocks: Record<string, [number, number]> = {};
  let o = 0;
  for (const g of cls.groups) {
    blocks[g.name] = [o, o + g.pca.k];
    o += g.pca.k;
  }
  const fusedDim = o;
  const configs: Record<string, [number, number][]> = {
    morph: [],
    'morph+lbp+bof': [blocks.lbp, blocks.bof],
    'morph+all': [[0, fusedDim]],
    'morph+classes': [],
  };
  const chosen = values.config ? [values.config] : Object.keys(configs);
  const trRecs = train.flatMap((f) => f.recs).filter((r) => !r.inStrip);
  const vaRecs = val.flatMap((f) => f.recs).filter((r) => !r.inStrip);
  const morphNorm = meanStd(trRecs.map((r) => r.morph));
  const nPos = trRecs.filter((r) => r.labelled).length;
  console.log(
    `train nuclei ${trRecs.length} (labelled ${nPos}); val nuclei ${vaRecs.length} (labelled ${vaRecs.filter((r) => r.labelled).length})`,
  );
  const maxCalls = Number(values['max-calls']);
  const lowConf = cls.lowConfidenceBelow;
  const thresholds = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

  // Baseline on val (no gate): the figures at the classifier's own threshold and at argmax-like 0.5.
  const baseRow = (label: string, fi: FieldInput[]): void => {
    const r = fieldsReport(fi);
    console.log(
      `${label.padEnd(34)} sens ${r.abnormal_sensitivity.toFixed(3)}  calls/field w/o label ${r.calls_per_field_without_abnormal_label.toFixed(2)}  NILM→abn ${r.nilm_cells_called_abnormal.toFixed(3)}  P@20 ${r.ranking_precision_at['20'].toFixed(2)} P@100 ${r.ranking_precision_at['100'].toFixed(2)}  set aside ${r.counts.set_aside}`,
    );
  };
  baseRow(
    `val, no gate, thr ${cls.abnormalThreshold.toFixed(3)}`,
    screenFields(val, null, cls.abnormalThreshold, lowConf),
  );

  let best: { name: string; model: ScreenModel; sens: number; rank100: number } | null = null;
  for (const name of chosen) {
    const ranges = configs[name];
    if (!ranges) throw new Error(`unknown --config ${name}`);
    const proto: ScreenModel = {
      format: SCREEN_FORMAT,
      clsVersion,
      segVersion,
      morph: { names: [...MORPH_FEATURES], ...morphNorm },
      fusedDim,
      fusedRanges: ranges,
      classInputs: name.endsWith('+classes'),
      mlp: {
        inputDim: 0,
        hidden: 0,
        outputs: 2,
        w1: new Float32Array(),
        b1: new Float32Array(),
        w2: new Float32Array(),
        b2: new Float32Array(),
      },
      labelFrequency: 1,
      abnormalThreshold: 0.5,
      fieldMinCalls: 1,
      meta: {},
    };
    const X = (rs: Rec[]): Float32Array[] =>
      rs.map((r) => gateInput(proto, r.fused, r.morph, r.probs));
    // --abn-copies K: labelled abnormal nuclei count K times (keep small dark lesions epithelial).
    const copies = Number(values['abn-copies']);
    const trUsed = trRecs.flatMap((r) =>
      r.labelledAbnormal ? new Array<Rec>(copies).fill(r) : [r],
    );
    const xTr = X(trUsed);
    const yTr = trUsed.map((r) => (r.labelled ? 1 : 0));
    const xVa = X(vaRecs);
    const yVa = vaRecs.map((r) => (r.labelled ? 1 : 0));
    const pos = yTr.filter((y) => y === 1).length;
    const t0 = Date.now();
    const res = trainMlp(xTr, yTr, xVa, yVa, 2, {
      hidden: Number(values.hidden),
      dropout: 0.2,
      maxEpochs: 80,
      patience: 10,
      learningRate: 1e-3,
      weightDecay: 1e-4,
      classWeights: [1, (yTr.length - pos) / pos],
      seed: 1,
    });
    const gate: ScreenModel = { ...proto, mlp: res.params };
    gate.mlp.inputDim = gateInputDim(ranges, MORPH_FEATURES.length, proto.classInputs);
    // s(x) on labelled val nuclei → c (Elkan–Noto); then P(Other).
    const sVa = vaRecs.map(
      (r) => 1 - otherProbability({ ...gate, labelFrequency: 1 }, r.fused, r.morph, r.probs),
    );
    const lab = sVa.filter((_, i) => yVa[i] === 1);
    gate.labelFrequency = lab.reduce((a, b) => a + b, 0) / lab.length;
    const auc = rocAuc(yVa, sVa);
    // Round-trip through the file format so the figures are those of the shipped file.
    const model = parseScreenModel(JSON.parse(JSON.stringify(serializeScreenModel(gate))));
    const cache = new Map<Rec, number>();
    const po = vaRecs.map((r) => otherProbability(model, r.fused, r.morph, r.probs));
    const labOther = po.filter((p, i) => yVa[i] === 1 && p > 0.5).length;
    const abnAside = vaRecs.filter(
      (r, i) =>
        r.labelledAbnormal &&
        screenPrediction(
          {
            logits: [],
            probabilities: r.probs,
            label: 'NILM',
            confidence: 0,
            abnormalProbability: 0,
            abnormal: false,
            lowConfidence: false,
          },
          po[i],
          1,
          0,
        ).label === 'Other',
    ).length;
    console.log(
      `labelled abnormal val nuclei set aside (argmax Other): ${abnAside}/${vaRecs.filter((r) => r.labelledAbnormal).length}`,
    );
    const unlOther = po.filter((p, i) => yVa[i] === 0 && p > 0.5).length;
    console.log(
      `\n[${name}] in ${gateInputDim(ranges, 5, proto.classInputs)}, best epoch ${res.bestEpoch}/${res.epochsRun} (${((Date.now() - t0) / 1000).toFixed(0)} s), val PU AUC ${auc.toFixed(3)}, c ${model.labelFrequency.toFixed(3)}; val labelled nuclei with P(Other) > 0.5: ${labOther}/${lab.length}; unlabelled: ${unlOther}/${yVa.length - lab.length}`,
    );
    // Operating point: the lowest threshold whose val calls/field without label ≤ maxCalls.
    let pick = 0.99;
    for (const t of thresholds) {
      const r = fieldsReport(screenFields(val, model, t, lowConf, cache));
      if (r.calls_per_field_without_abnormal_label <= maxCalls) {
        pick = t;
        break;
      }
    }
    for (const t of [0.3, 0.5, 0.7, pick])
      baseRow(
        `val, gate ${name}, thr ${t.toFixed(2)}`,
        screenFields(val, model, t, lowConf, cache),
      );
    const r = fieldsReport(screenFields(val, model, pick, lowConf, cache));
    model.abnormalThreshold = pick;
    model.meta = {
      config: name,
      hidden: Number(values.hidden),
      bestEpoch: res.bestEpoch,
      valPuAuc: auc,
      valLabelledSetAside: labOther / lab.length,
    };
    if (
      !best ||
      r.abnormal_sensitivity > best.sens ||
      (r.abnormal_sensitivity === best.sens && r.ranking_precision_at['100'] > best.rank100)
    )
      best = { name, model, sens: r.abnormal_sensitivity, rank100: r.ranking_precision_at['100'] };
  }
  if (!best) return;
  // Field rule: the smallest number of calls that flags a field, chosen on val for the best
  // balanced accuracy between fields with and without a labelled abnormal cell.
  const m = best.model;
  const fi = screenFields(val, m, m.abnormalThreshold, lowConf);
  let bestK = 1;
  let bestBa = -1;
  for (let k = 1; k <= 10; k++) {
    const f = fieldsReport(fi, k).field_level;
    const ba =
      (f.abnormal_fields_flagged / f.abnormal_fields +
        1 -
        f.normal_fields_flagged / Math.max(1, f.normal_fields)) /
      2;
    console.log(
      `val field rule ≥${k} calls: abnormal fields flagged ${f.abnormal_fields_flagged}/${f.abnormal_fields}, normal ${f.normal_fields_flagged}/${f.normal_fields}`,
    );
    if (ba > bestBa) {
      bestBa = ba;
      bestK = k;
    }
  }
  m.fieldMinCalls = bestK;
  m.meta = {
    ...m.meta,
    version: `screen-${new Date().toISOString().slice(0, 10)}`,
    chosenOn: 'CRIC val (data/splits/cric.json)',
  };
  console.log(`\nchosen: ${best.name}, threshold ${m.abnormalThreshold}, field ≥ ${bestK} call(s)`);
  console.log(JSON.stringify(fieldsReport(fi, bestK), null, 1));
  if (values.table) {
    // Per-nucleus table for offline analysis (val + train, with the chosen gate's P(Other)).
    const lines = [
      'part,field,x,y,labelled,labelled_abnormal,in_strip,p_other,' +
        ['NILM', 'ASCUS', 'LSIL', 'ASCH', 'HSIL', 'SCC'].map((c) => 'p_' + c).join(',') +
        ',' +
        MORPH_FEATURES.join(','),
    ];
    for (const [part, fs] of [
      ['train', train],
      ['val', val],
    ] as const)
      for (const f of fs)
        for (const [i, r] of f.recs.entries())
          lines.push(
            [
              part,
              f.name,
              f.result.nuclei[i].centroid.x.toFixed(1),
              f.result.nuclei[i].centroid.y.toFixed(1),
              +r.labelled,
              +r.labelledAbnormal,
              +r.inStrip,
              otherProbability(m, r.fused, r.morph, r.probs).toFixed(5),
              ...r.probs.map((p) => p.toFixed(5)),
              ...r.morph.map((v) => v.toFixed(4)),
            ].join(','),
          );
    writeFileSync(values.table, lines.join('\n') + '\n');
  }
  if (values['report-test']) {
    const test = load('test');
    console.log(`\nTEST (${test.length} fields), shipped choice:`);
    console.log(
      JSON.stringify(
        fieldsReport(screenFields(test, m, m.abnormalThreshold, lowConf), bestK),
        null,
        1,
      ),
    );
  }
  if (values.ship) {
    const p = join(REPO_ROOT, 'public', 'models', 'screen', 'model.json');
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, JSON.stringify(serializeScreenModel(m)) + '\n');
    console.log(`wrote ${p}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
