/**
 * Train the fusion head (per-group PCA → concatenation → MLP → temperature → threshold) from the
 * feature cache written by scripts/extract-features.ts. Everything is fitted on train, tuned and
 * calibrated on val; `--eval-test` also scores the TEST split (for the ablation table; the shipped
 * model's official numbers come from `paplens eval-cls --split test`).
 *
 *   npx tsx scripts/train-fusion.ts --groups mobilenet,squeezenet,darknet,lbp,bof [--view plain]
 *       [--grid] [--hidden 128] [--weighting sqrt|balanced|none] [--dropout 0.2] [--seed 1]
 *       [--eval-test] [--ship public/models/cls] [--dtype float16|float32] [--json FILE]
 *   npx tsx scripts/train-fusion.ts --ablation [--view plain] [--json FILE]   (all rows, Tables 4/8)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  fuseFeatures,
  predictFromLogits,
  standardise,
  type FusionModel,
} from '../src/core/classify/fusion';
import {
  isFeatureGroup,
  type CellFeatures,
  type FeatureGroupName,
} from '../src/core/classify/groups';
import { mlpLogits } from '../src/core/classify/mlp';
import { serializeFusionModel } from '../src/core/classify/model-io';
import { trainFusion, type LabelledSet } from '../src/core/classify/train';
import {
  binaryReport,
  classificationReport,
  expectedCalibrationError,
} from '../src/core/metrics/classification';
import {
  DEFAULT_CELL_PIPELINE,
  type CellPipelineConfig,
  type CellView,
} from '../src/core/pipeline/cell-features';
import { CLASS_NAMES } from '../src/core/types';
import {
  DEFAULT_CACHE,
  cacheName,
  fingerprint,
  parseLbp,
  readCells,
  readGroup,
  type CachedCell,
} from './extract-features';

interface Hyper {
  hidden: number;
  weighting: 'none' | 'sqrt' | 'balanced';
  dropout: number;
  seed: number;
  stopOn: 'loss' | 'macro_f1';
  scaling: 'zscore' | 'group';
}

export interface EvalResult {
  accuracy: number;
  macro_f1: number;
  recall: Record<string, number>;
  sensitivity: number;
  specificity: number;
  auc: number;
  ece_before: number;
  ece_after: number;
  cells: number;
}

function loadSets(
  cache: string,
  view: string,
  groups: FeatureGroupName[],
  lbp: CellPipelineConfig['lbp'],
): Record<'train' | 'val' | 'test', LabelledSet & { ids: string[] }> {
  const cells = readCells(cache);
  const data = groups.map((g) => {
    const c = readGroup(cache, view, cacheName(g, lbp));
    if (!c)
      throw new Error(
        `no cached features for ${view}/${g}: run scripts/extract-features.ts --groups ${g} --views ${view}`,
      );
    return [g, c] as const;
  });
  const out = {
    train: { features: [] as CellFeatures[], y: [] as number[], ids: [] as string[] },
    val: { features: [] as CellFeatures[], y: [] as number[], ids: [] as string[] },
    test: { features: [] as CellFeatures[], y: [] as number[], ids: [] as string[] },
  };
  let skipped = 0;
  for (const c of cells as CachedCell[]) {
    const f: CellFeatures = {};
    let ok = true;
    for (const [g, cache] of data) {
      const row = cache.rows.get(c.cellId);
      if (!row) ok = false;
      else f[g] = row;
    }
    if (!ok) {
      skipped++;
      continue;
    }
    out[c.part].features.push(f);
    out[c.part].y.push(c.label);
    out[c.part].ids.push(c.cellId);
  }
  if (skipped) console.log(`note: ${skipped} cells lack some cached group and are left out`);
  return out;
}

/** Groups whose cache was computed with other models than the ones shipped now. */
async function staleGroups(
  cache: string,
  view: CellView,
  groups: FeatureGroupName[],
  lbp: CellPipelineConfig['lbp'],
): Promise<string[]> {
  const out: string[] = [];
  for (const g of groups) {
    const c = readGroup(cache, view, cacheName(g, lbp));
    const want = await fingerprint(g, view, lbp);
    if (c && c.model !== want) out.push(`${view}/${g} (${c.model ?? 'unknown'} ≠ ${want})`);
  }
  return out;
}

export function evaluate(model: FusionModel, set: LabelledSet): EvalResult {
  const logits = set.features.map((f) =>
    mlpLogits(model.mlp, standardise(model.scaler, fuseFeatures(model, f))),
  );
  const preds = logits.map((l) => predictFromLogits(model, l));
  const raw = logits.map((l) => predictFromLogits({ ...model, temperature: 1 }, l).probabilities);
  const yPred = preds.map((p) => p.probabilities.indexOf(Math.max(...p.probabilities)));
  const rep = classificationReport(set.y, yPred, CLASS_NAMES);
  const bin = binaryReport(
    set.y.map((c) => (c === 0 ? 0 : 1)),
    preds.map((p) => p.abnormalProbability),
    model.abnormalThreshold,
  );
  return {
    accuracy: rep.accuracy,
    macro_f1: rep.macro_f1,
    recall: Object.fromEntries(CLASS_NAMES.map((c) => [c, rep.per_class[c].recall])),
    sensitivity: bin.sensitivity,
    specificity: bin.specificity,
    auc: bin.auc,
    ece_before: expectedCalibrationError(raw, set.y),
    ece_after: expectedCalibrationError(
      preds.map((p) => p.probabilities),
      set.y,
    ),
    cells: set.y.length,
  };
}

function fit(
  sets: ReturnType<typeof loadSets>,
  groups: FeatureGroupName[],
  pipeline: CellPipelineConfig,
  h: Hyper,
) {
  const t = performance.now();
  const res = trainFusion(sets.train, sets.val, {
    groups,
    classes: CLASS_NAMES,
    classWeighting: h.weighting,
    scaling: h.scaling,
    mlp: {
      hidden: h.hidden,
      dropout: h.dropout,
      seed: h.seed,
      batchSize: 32,
      learningRate: 1e-3,
      maxEpochs: 200,
      patience: 20,
      weightDecay: 1e-4,
      stopOn: h.stopOn,
    },
    pipeline,
    meta: {},
  });
  const val = evaluate(res.model, sets.val);
  return { res, val, seconds: (performance.now() - t) / 1000 };
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      groups: { type: 'string', default: 'mobilenet,squeezenet,darknet,lbp,bof' },
      view: { type: 'string', default: 'plain' },
      cache: { type: 'string', default: DEFAULT_CACHE },
      grid: { type: 'boolean', default: false },
      hidden: { type: 'string', default: '128' },
      weighting: { type: 'string', default: 'sqrt' },
      dropout: { type: 'string', default: '0.2' },
      seed: { type: 'string', default: '1' },
      'eval-test': { type: 'boolean', default: false },
      ablation: { type: 'boolean', default: false },
      ship: { type: 'string' },
      dtype: { type: 'string', default: 'float16' },
      json: { type: 'string' },
      lbp: { type: 'string', default: 'default:1' },
      'stop-on': { type: 'string', default: 'loss' },
      scaling: { type: 'string', default: 'zscore' },
    },
  });
  const lbp = parseLbp(values.lbp);
  const view = values.view as CellView;
  const pipeline: CellPipelineConfig = { ...DEFAULT_CELL_PIPELINE, view, lbp };
  const cache = resolve(values.cache);
  const base: Hyper = {
    hidden: Number(values.hidden),
    weighting: values.weighting as Hyper['weighting'],
    dropout: Number(values.dropout),
    seed: Number(values.seed),
    stopOn: values['stop-on'] === 'macro_f1' ? 'macro_f1' : 'loss',
    scaling: values.scaling === 'group' ? 'group' : 'zscore',
  };

  if (values.ablation) {
    const rows: [string, FeatureGroupName[]][] = [
      ['MobileNetV2', ['mobilenet']],
      ['SqueezeNet 1.1', ['squeezenet']],
      ['Tiny Darknet', ['darknet']],
      ['LBP', ['lbp']],
      ['SURF-BoF', ['bof']],
      ['3 deep', ['mobilenet', 'squeezenet', 'darknet']],
      ['hand-crafted (LBP + BoF)', ['lbp', 'bof']],
      ['3 deep + LBP', ['mobilenet', 'squeezenet', 'darknet', 'lbp']],
      ['3 deep + BoF', ['mobilenet', 'squeezenet', 'darknet', 'bof']],
      ['all fused', ['mobilenet', 'squeezenet', 'darknet', 'lbp', 'bof']],
    ];
    const table: Record<string, unknown>[] = [];
    for (const [name, groups] of rows) {
      let sets;
      try {
        sets = loadSets(cache, view, groups, lbp);
      } catch (e) {
        console.log(`${name}: skipped (${(e as Error).message})`);
        continue;
      }
      const { res, val, seconds } = fit(sets, groups, pipeline, base);
      const test = evaluate(res.model, sets.test);
      const dims = res.model.groups.map((g) => `${g.name}:${g.pca.d}→${g.pca.k}`).join(' ');
      console.log(
        `${name.padEnd(26)} val F1 ${fmt(val.macro_f1)} | test acc ${fmt(test.accuracy)} F1 ${fmt(test.macro_f1)} sens ${fmt(test.sensitivity)} spec ${fmt(test.specificity)} | ${dims} | epoch ${res.bestEpoch} | ${seconds.toFixed(0)} s`,
      );
      table.push({ name, groups, dims, bestEpoch: res.bestEpoch, val, test });
    }
    if (values.json) writeJson(values.json, { view, hyper: base, rows: table });
    return;
  }

  const groups = values.groups.split(',').map((g) => {
    if (!isFeatureGroup(g)) throw new Error(`unknown feature group ${g}`);
    return g;
  });
  const stale = await staleGroups(cache, view, groups, lbp);
  if (stale.length) {
    const msg = `feature cache computed with other models than those shipped now: ${stale.join('; ')}`;
    if (values.ship) throw new Error(`${msg} — re-run scripts/extract-features.ts before shipping`);
    console.log(`warning: ${msg}`);
  }
  const sets = loadSets(cache, view, groups, lbp);
  console.log(
    `cells: train ${sets.train.y.length}, val ${sets.val.y.length}, test ${sets.test.y.length}`,
  );
  let best: { h: Hyper; r: ReturnType<typeof fit> } | null = null;
  const grid: Hyper[] = values.grid
    ? [64, 128, 256].flatMap((hidden) =>
        (['sqrt', 'balanced'] as const).flatMap((weighting) =>
          [0, 0.3].map((dropout) => ({ ...base, hidden, weighting, dropout })),
        ),
      )
    : [base];
  const tried: Record<string, unknown>[] = [];
  for (const h of grid) {
    const r = fit(sets, groups, pipeline, h);
    console.log(
      `hidden ${h.hidden} weighting ${h.weighting} dropout ${h.dropout}: val macro-F1 ${fmt(r.val.macro_f1)} acc ${fmt(r.val.accuracy)} (epoch ${r.res.bestEpoch}, ${r.seconds.toFixed(0)} s)`,
    );
    tried.push({ ...h, val_macro_f1: r.val.macro_f1, best_epoch: r.res.bestEpoch });
    if (!best || r.val.macro_f1 > best.r.val.macro_f1) best = { h, r };
  }
  const { h, r } = best!;
  const model = r.res.model;
  const report: Record<string, unknown> = {
    groups,
    view,
    hyper: h,
    tried,
    pca: model.groups.map((g) => ({
      group: g.name,
      d: g.pca.d,
      k: g.pca.k,
      explained: g.pca.explained,
    })),
    best_epoch: r.res.bestEpoch,
    epochs_run: r.res.epochsRun,
    temperature: model.temperature,
    threshold: model.abnormalThreshold,
    cells: { train: sets.train.y.length, val: sets.val.y.length, test: sets.test.y.length },
    val: r.val,
  };
  console.log(
    `chosen: ${JSON.stringify(h)}; T = ${model.temperature.toFixed(3)}; threshold ${model.abnormalThreshold.toFixed(4)}`,
  );
  console.log(
    `val: acc ${fmt(r.val.accuracy)} macro-F1 ${fmt(r.val.macro_f1)} sens ${fmt(r.val.sensitivity)} spec ${fmt(r.val.specificity)} AUC ${fmt(r.val.auc)} ECE ${fmt(r.val.ece_before)} → ${fmt(r.val.ece_after)}`,
  );
  if (values['eval-test']) {
    const test = evaluate(model, sets.test);
    report.test = test;
    console.log(
      `test: acc ${fmt(test.accuracy)} macro-F1 ${fmt(test.macro_f1)} sens ${fmt(test.sensitivity)} spec ${fmt(test.specificity)} AUC ${fmt(test.auc)} ECE ${fmt(test.ece_before)} → ${fmt(test.ece_after)}`,
    );
  }
  if (values.ship) {
    model.meta = {
      version: `cls-${new Date().toISOString().slice(0, 10)}`,
      data: 'CRIC cells (../shared/data/cric), field-level split data/splits/cric.json',
      trainedOn: 'train',
      tunedOn: 'val',
      // Which feature models the head was trained on; loadPipelineModels refuses a mismatch.
      featureModels: Object.fromEntries(
        await Promise.all(groups.map(async (g) => [g, await fingerprint(g, view, lbp)] as const)),
      ),
      ...report,
    };
    const dir = resolve(values.ship);
    mkdirSync(dir, { recursive: true });
    const { json, bin } = serializeFusionModel(
      model,
      'weights.bin',
      values.dtype === 'float32' ? 'float32' : 'float16',
    );
    writeFileSync(join(dir, 'weights.bin'), bin);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json, null, 1) + '\n');
    console.log(`shipped to ${dir} (${(bin.byteLength / 1e6).toFixed(2)} MB weights)`);
  }
  if (values.json) writeJson(values.json, report);
}

function writeJson(path: string, v: unknown): void {
  const p = resolve(path);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, JSON.stringify(v, null, 2) + '\n');
}

main().catch((e: unknown) => {
  console.error((e as Error).stack ?? String(e));
  process.exit(1);
});
