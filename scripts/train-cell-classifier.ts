/**
 * The single-cell (Herlev, 7-class) fusion head: features of every Herlev cell's whole-cell view
 * computed by the SHIPPED code (cellImageFeatures: the Herlev CNNs in public/models/cell, LBP,
 * SURF-BoF with the shipped vocabulary), then per-group PCA 95 % → MLP (train), early stopping,
 * hyper-parameters, temperature and the P(abnormal) threshold on VAL.
 *
 *   npx tsx scripts/train-cell-classifier.ts [--grid] [--ensemble K] [--ship public/models/cell/cls] [--json F]
 *   npx tsx scripts/train-cell-classifier.ts --ablation --json F   (Tables 4 and 8; scores TEST)
 *
 * Features are cached in .devdata/cell-features/<cnn version>.json (recomputed when the CNNs
 * change). The shipped model's official test numbers come from `paplens eval-cells`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initNodeTf } from '../src/cli/tf-node';
import type { EvalCellsJson } from '../src/cli/commands/eval-cells';
import { chooseThreshold, fitTemperature } from '../src/core/classify/calibrate';
import type { FusionModel } from '../src/core/classify/fusion';
import {
  FEATURE_GROUPS,
  type CellFeatures,
  type FeatureGroupName,
} from '../src/core/classify/groups';
import { mergeMlps, softmax } from '../src/core/classify/mlp';
import { serializeFusionModel } from '../src/core/classify/model-io';
import { trainFusion, type LabelledSet } from '../src/core/classify/train';
import {
  CELL_CNN_CONFIG,
  cellImageFeatures,
  cellLogits,
  herlevFromProbabilities,
} from '../src/core/cell/herlev-classifier';
import { DEEP_NETS, deepFeatures, loadDeepExtractors } from '../src/core/features/deep/index';
import { HERLEV_CLASSES, isAbnormalHerlev } from '../src/core/herlev';
import {
  binaryReport,
  classificationReport,
  expectedCalibrationError,
} from '../src/core/metrics/classification';
import { DEFAULT_CELL_PIPELINE, type CellExtractors } from '../src/core/pipeline/cell-features';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { herlevCells } from '../src/data/cell-manifest';
import { REPO_ROOT } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, PARTS, type Part } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';

interface Cached {
  version: string;
  cells: { id: string; part: Part; y: number; f: Record<string, number[]> }[];
}

type Sets = Record<Part, LabelledSet & { ids: string[] }>;

async function extract(cacheDir: string, views: number): Promise<Cached> {
  await initNodeTf();
  const source = nodeModelSource();
  const cfg = await source.readJson<{ version: string }>(CELL_CNN_CONFIG);
  const file = join(cacheDir, `${cfg.version}${views > 1 ? `-v${views}` : ''}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Cached;
  const base = await loadPipelineModels(source, { classifier: false });
  const deep = await loadDeepExtractors(source, DEEP_NETS, undefined, CELL_CNN_CONFIG);
  const ex: CellExtractors = {
    deepGroups: deep.names,
    deep: (crop, wanted) =>
      deepFeatures(
        crop,
        deep,
        deep.names.filter((n) => (wanted as readonly string[]).includes(n)),
      ),
    bof: base.extractors.bof,
  };
  const split = loadSplit('herlev');
  const partOf = new Map<string, Part>();
  for (const p of PARTS) for (const g of split.parts[p]) partOf.set(g, p);
  const out: Cached = { version: cfg.version, cells: [] };
  const t0 = Date.now();
  for (const c of herlevCells()) {
    const f = await cellImageFeatures(
      await readImage(c.imagePath),
      ex,
      FEATURE_GROUPS,
      DEFAULT_CELL_PIPELINE,
      undefined,
      views,
    );
    out.cells.push({
      id: c.id,
      part: partOf.get(c.group)!,
      y: HERLEV_CLASSES.indexOf(c.herlevClass),
      f: Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Array.from(v)])),
    });
    if (out.cells.length % 100 === 0)
      console.log(
        `features: ${out.cells.length} cells, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
  }
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(out));
  deep.dispose();
  base.dispose();
  return out;
}

function sets(c: Cached, groups: readonly FeatureGroupName[]): Sets {
  const s = Object.fromEntries(
    PARTS.map((p) => [
      p,
      { features: [] as CellFeatures[], y: [] as number[], ids: [] as string[] },
    ]),
  ) as Sets;
  for (const cell of c.cells) {
    const f: CellFeatures = {};
    for (const g of groups) f[g] = Float32Array.from(cell.f[g]);
    s[cell.part].features.push(f);
    s[cell.part].y.push(cell.y);
    s[cell.part].ids.push(cell.id);
  }
  return s;
}

interface Hyper {
  hidden: number;
  weighting: 'none' | 'sqrt' | 'balanced';
  dropout: number;
  scaling: 'zscore' | 'group';
  seed: number;
  /** Cap on PCA components per group (0 = none: 95 % variance only). */
  maxComponents: number;
  /** Members of a seed ensemble (seeds seed … seed + ensemble − 1), merged into one MLP. */
  ensemble: number;
}

const abnormal01 = (y: number[]): number[] =>
  y.map((c) => (isAbnormalHerlev(HERLEV_CLASSES[c]) ? 1 : 0));

/** Fit on train, stop/calibrate/threshold on val. */
function fit(
  s: Sets,
  groups: FeatureGroupName[],
  h: Hyper,
  targetSensitivity: number,
): FusionModel {
  if (h.ensemble > 1) {
    // PCA and scaler come from train alone, so every member shares them; only the MLP differs.
    const members = Array.from({ length: h.ensemble }, (_, i) =>
      fit(s, groups, { ...h, seed: h.seed + i, ensemble: 1 }, targetSensitivity),
    );
    const model: FusionModel = { ...members[0], mlp: mergeMlps(members.map((m) => m.mlp)) };
    model.temperature = fitTemperature(
      s.val.features.map((f) => cellLogits(model, f)),
      s.val.y,
    );
    const op = chooseThreshold(
      s.val.features.map((f) => abnormalP(model, f)),
      abnormal01(s.val.y),
      targetSensitivity,
    );
    model.abnormalThreshold = op.threshold;
    model.meta = {
      valOperatingPoint: op,
      ensemble: members.map((m, i) => ({
        seed: h.seed + i,
        bestEpoch: m.meta.bestEpoch,
        epochsRun: m.meta.epochsRun,
        val: evaluate(m, s.val),
      })),
    };
    return model;
  }
  const res = trainFusion(s.train, s.val, {
    groups,
    ...(h.maxComponents ? { maxComponents: h.maxComponents } : {}),
    classes: HERLEV_CLASSES,
    classWeighting: h.weighting,
    scaling: h.scaling,
    mlp: {
      hidden: h.hidden,
      dropout: h.dropout,
      seed: h.seed,
      batchSize: 32,
      learningRate: 1e-3,
      maxEpochs: 300,
      patience: 30,
      weightDecay: 1e-4,
      stopOn: 'macro_f1',
    },
    pipeline: DEFAULT_CELL_PIPELINE,
    lowConfidenceBelow: 0.5,
    meta: {},
  });
  const model = res.model;
  // The Herlev classes have no 'NILM': P(abnormal) = 1 − Σ P(normal classes), threshold on val.
  const scores = s.val.features.map((f) => abnormalP(model, f));
  const op = chooseThreshold(scores, abnormal01(s.val.y), targetSensitivity);
  model.abnormalThreshold = op.threshold;
  model.meta = {
    ...model.meta,
    valOperatingPoint: op,
    bestEpoch: res.bestEpoch,
    epochsRun: res.epochsRun,
  };
  return model;
}

/** P(abnormal) exactly as the pipeline computes it (same summation, so the threshold is exact). */
function abnormalP(model: FusionModel, f: CellFeatures): number {
  const p = softmax(cellLogits(model, f), model.temperature);
  return herlevFromProbabilities(p, 0.5, 0.5).abnormalProbability;
}

function evaluate(model: FusionModel, set: LabelledSet) {
  const preds = set.features.map((f) =>
    herlevFromProbabilities(
      softmax(cellLogits(model, f), model.temperature),
      model.abnormalThreshold,
      model.lowConfidenceBelow,
    ),
  );
  const raw = set.features.map((f) => softmax(cellLogits(model, f), 1));
  const yPred = preds.map((p) => HERLEV_CLASSES.indexOf(p.herlevLabel));
  const rep = classificationReport(set.y, yPred, HERLEV_CLASSES);
  const y01 = abnormal01(set.y);
  const bin = binaryReport(
    y01,
    preds.map((p) => p.abnormalProbability),
    model.abnormalThreshold,
  );
  // 2-class accuracy from the 7-class argmax (the paper's 2-class figures) and at the threshold.
  const argmax01 = yPred.map((c) => (isAbnormalHerlev(HERLEV_CLASSES[c]) ? 1 : 0));
  const acc2 = argmax01.filter((v, i) => v === y01[i]).length / y01.length;
  return {
    accuracy: rep.accuracy,
    macro_f1: rep.macro_f1,
    recall: Object.fromEntries(HERLEV_CLASSES.map((c) => [c, rep.per_class[c].recall])),
    specificity7: Object.fromEntries(HERLEV_CLASSES.map((c) => [c, rep.per_class[c].specificity])),
    sensitivity: bin.sensitivity,
    specificity: bin.specificity,
    auc: bin.auc,
    accuracy2_argmax: acc2,
    ece_before: expectedCalibrationError(raw, set.y),
    ece_after: expectedCalibrationError(
      preds.map((p) => p.herlevProbabilities),
      set.y,
    ),
    cells: set.y.length,
  };
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cache: { type: 'string', default: join(REPO_ROOT, '.devdata', 'cell-features') },
      groups: { type: 'string', default: 'mobilenet,squeezenet,darknet,lbp,bof' },
      grid: { type: 'boolean', default: false },
      ablation: { type: 'boolean', default: false },
      ship: { type: 'string' },
      json: { type: 'string' },
      sensitivity: { type: 'string', default: '0.98' },
      hidden: { type: 'string', default: '64' },
      weighting: { type: 'string', default: 'sqrt' },
      scaling: { type: 'string', default: 'group' },
      'max-components': { type: 'string', default: '0' },
      views: { type: 'string', default: '1' },
      ensemble: { type: 'string', default: '1' },
      'record-test': { type: 'string' },
      model: { type: 'string', default: join(REPO_ROOT, 'public', 'models', 'cell', 'cls') },
    },
  });
  if (values['record-test']) {
    // Copy the figures of `paplens eval-cells --split herlev:test --json F` into the model file,
    // so the app and CLI show what was measured (nothing is refitted).
    const e = JSON.parse(readFileSync(values['record-test'], 'utf8')) as EvalCellsJson;
    const p = join(resolve(values.model), 'model.json');
    const m = JSON.parse(readFileSync(p, 'utf8')) as { meta: Record<string, unknown> };
    m.meta.test = {
      cells: e.cells,
      accuracy7: e.herlev7.accuracy,
      macro_f1: e.herlev7.macro_f1,
      sensitivity: e.binary.sensitivity,
      specificity: e.binary.specificity,
      auc: e.binary.auc,
      no_nucleus: e.no_nucleus,
      command:
        'npx paplens eval-cells --images ../shared/data/herlev/images --manifest ../shared/data/herlev/manifest.csv --split herlev:test',
    };
    writeFileSync(p, JSON.stringify(m, null, 1));
    console.log(`recorded test figures in ${p}`);
    return;
  }
  const views = Number(values.views);
  const cache = await extract(resolve(values.cache), views);
  const target = Number(values.sensitivity);
  const base: Hyper = {
    hidden: Number(values.hidden),
    weighting: values.weighting as Hyper['weighting'],
    dropout: 0.3,
    scaling: values.scaling === 'zscore' ? 'zscore' : 'group',
    seed: 1,
    maxComponents: Number(values['max-components']),
    ensemble: Number(values.ensemble),
  };
  const all = values.groups.split(',') as FeatureGroupName[];
  const s = sets(cache, all);
  console.log(`cells: train ${s.train.y.length}, val ${s.val.y.length}, test ${s.test.y.length}`);

  // Hyper-parameters chosen on val (macro-F1), for the full model; the ablation re-uses them.
  const grid: Hyper[] = values.grid
    ? [64, 128].flatMap((hidden) =>
        (['sqrt', 'balanced'] as const).flatMap((weighting) =>
          (['group', 'zscore'] as const).flatMap((scaling) =>
            [0.3].map((dropout) => ({ ...base, hidden, weighting, scaling, dropout })),
          ),
        ),
      )
    : [base];
  let best: { h: Hyper; model: FusionModel; val: ReturnType<typeof evaluate> } | null = null;
  const tried: Record<string, unknown>[] = [];
  for (const h of grid) {
    const model = fit(s, all, h, target);
    const val = evaluate(model, s.val);
    console.log(
      `hidden ${h.hidden} ${h.weighting} ${h.scaling}: val acc ${fmt(val.accuracy)} F1 ${fmt(val.macro_f1)} sens ${fmt(val.sensitivity)} spec ${fmt(val.specificity)} auc ${fmt(val.auc)}`,
    );
    tried.push({ ...h, val_accuracy: val.accuracy, val_macro_f1: val.macro_f1 });
    if (!best || val.macro_f1 + val.accuracy > best.val.macro_f1 + best.val.accuracy)
      best = { h, model, val };
  }
  const { h, model, val } = best!;

  if (values.ablation) {
    const rows: [string, FeatureGroupName[]][] = [
      ['MobileNetV2-0.35', ['mobilenet']],
      ['SqueezeNet 1.1', ['squeezenet']],
      ['Tiny Darknet', ['darknet']],
      ['LBP', ['lbp']],
      ['SURF-BoF', ['bof']],
      ['3 deep', ['mobilenet', 'squeezenet', 'darknet']],
      ['hand-crafted (LBP + BoF)', ['lbp', 'bof']],
      ['3 deep + LBP', ['mobilenet', 'squeezenet', 'darknet', 'lbp']],
      ['3 deep + BoF', ['mobilenet', 'squeezenet', 'darknet', 'bof']],
      ['all fused', all],
    ];
    const table: Record<string, unknown>[] = [];
    for (const [name, groups] of rows) {
      const m = fit(sets(cache, groups), groups, h, target);
      const ss = sets(cache, groups);
      const v = evaluate(m, ss.val);
      const t = evaluate(m, ss.test);
      console.log(
        `${name.padEnd(26)} val acc ${fmt(v.accuracy)} | test acc7 ${fmt(t.accuracy)} F1 ${fmt(t.macro_f1)} sens ${fmt(t.sensitivity)} spec ${fmt(t.specificity)} acc2 ${fmt(t.accuracy2_argmax)} | ${HERLEV_CLASSES.map((c) => fmt(t.recall[c])).join(' ')}`,
      );
      table.push({
        name,
        groups,
        dims: m.groups.map((g) => `${g.name}:${g.pca.d}→${g.pca.k}`),
        val: v,
        test: t,
      });
    }
    if (values.json) writeFileSync(values.json, JSON.stringify({ hyper: h, rows: table }, null, 1));
    return;
  }

  const report = {
    version: `cell-${new Date().toISOString().slice(0, 10)}`,
    data: 'Herlev (../shared/data/herlev), group-level split data/splits/herlev.json',
    trainedOn: 'train',
    tunedOn: 'val',
    groups: all,
    view: 'whole-cell view (cellImageView, 128 px)',
    views,
    cnn: cache.version,
    hyper: h,
    tried,
    pca: model.groups.map((g) => ({
      group: g.name,
      d: g.pca.d,
      k: g.pca.k,
      explained: g.pca.explained,
    })),
    temperature: model.temperature,
    threshold: model.abnormalThreshold,
    targetSensitivity: target,
    cells: { train: s.train.y.length, val: s.val.y.length, test: s.test.y.length },
    val,
  };
  console.log(JSON.stringify({ ...report, tried: undefined }, null, 1));
  if (values.ship) {
    const dir = resolve(values.ship);
    mkdirSync(dir, { recursive: true });
    model.meta = { ...model.meta, ...report };
    const { json, bin } = serializeFusionModel(model, 'weights.bin', 'float16');
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json, null, 1));
    writeFileSync(join(dir, 'weights.bin'), bin);
    console.log(`shipped to ${dir} (${bin.length} bytes)`);
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 1));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
