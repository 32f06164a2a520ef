import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseCliArgs } from '../args';
import { CliError, UsageError } from '../errors';
import { printTable, writeJson } from '../output';
import { initNodeTf, threadsForOneAnalysis } from '../tf-node';
import { parseCsv } from '../../data/csv';
import {
  cricFieldPath,
  pairImagesWithMasks,
  readCricCells,
  type CricCell,
} from '../../data/datasets';
import { readImage, readMask } from '../../data/read-image';
import { loadSplit, PARTS, unitsOf, type Part, type SplitName } from '../../data/splits';
import {
  addCounts,
  labelComponents,
  matchObjects,
  meanScores,
  pixelCounts,
  pixelScores,
  pixelsInUntouchedObjects,
  pointRecall,
  type PixelCounts,
  type PixelScores,
} from '../../core/metrics/segmentation';
import { loadSegModel, segment, type SegModel } from '../../core/segment';
import type { AnalysisMode } from '../../core/types';
import { nodeModelSource } from '../../models/node-source';
import { chooseModeAndScale } from '../../core/pipeline/scale-choice';
import { finderSearches, segmentAsChosen } from '../../core/pipeline/segment-as-chosen';
import { segAdapterOf, type SegmentPostOptions } from '../../core/pipeline/models';
import type { RgbaImage } from '../../core/image/types';
import type { SegModelFiles } from '../../core/segment/model';

const USAGE =
  'paplens eval-seg --images DIR --masks DIR [--split herlev-sd|isbi2014[:PART]] [--mode auto|cell|field] [--json FILE]\n' +
  '       paplens eval-seg --points CSV --fields DIR [--split cric[:PART]] [--mode auto|cell|field] [--json FILE]\n' +
  "both score the nuclei `paplens analyze` would outline with the same options (a single cell: the nucleus finder's)\n" +
  'options: --scale X (input→working-scale factor; default: automatic, src/core/segment/auto-scale.ts), --default-scale (the old fixed factors: cell 0.5, field 1), --threshold T, --min-area PX, --min-object-prob P (drop objects of lower mean probability), --split-dynamics PX, --extra-zooms LIST|none, --model DIR (model.json + weights.bin; default: the shipped model), --per-image';

function parseSplit(arg: string, allowed: readonly SplitName[]): { name: SplitName; part: Part } {
  const [name, part = 'test'] = arg.split(':');
  if (!allowed.includes(name as SplitName))
    throw new UsageError(
      `--split must be ${allowed.join(' or ')} optionally followed by :PART, got "${arg}"`,
    );
  if (!PARTS.includes(part as Part))
    throw new UsageError(`split part must be one of ${PARTS.join(', ')}, got "${part}"`);
  return { name: name as SplitName, part: part as Part };
}

/** A plain folder of model files (no manifest): for evaluating exported ablation variants. */
function folderFiles(dir: string): SegModelFiles {
  const read = async (p: string): Promise<Uint8Array> => {
    const full = join(dir, p);
    try {
      await stat(full);
    } catch {
      throw new CliError(`model file not found: ${full}`);
    }
    return new Uint8Array(await readFile(full));
  };
  return {
    readBytes: read,
    async readJson<T>(p: string): Promise<T> {
      return JSON.parse(new TextDecoder().decode(await read(p))) as T;
    },
  };
}

async function loadModel(modelDir: string | undefined): Promise<SegModel> {
  if (modelDir) {
    const dir = resolve(modelDir);
    return loadSegModel(folderFiles(dirname(dir)), basename(dir));
  }
  const source = nodeModelSource();
  if (!(await source.has('seg/model.json')))
    throw new CliError('no trained segmentation model is present in public/models/seg');
  return loadSegModel(source);
}

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new UsageError(`--${name} must be a positive number`);
  return x;
}

/** Post-processing overrides shared by both evaluation modes. */
function postOptions(values: Record<string, string | boolean | undefined>): SegmentPostOptions {
  const dyn = values['split-dynamics'] as string | undefined;
  const zooms = values['extra-zooms'] as string | undefined;
  return {
    extraZooms:
      zooms === undefined
        ? undefined
        : zooms === 'none'
          ? []
          : zooms.split(',').map((z) => num(z, 'extra-zooms') as number),
    threshold: num(values.threshold as string, 'threshold'),
    minAreaPx: num(values['min-area'] as string, 'min-area'),
    minObjectProb: num(values['min-object-prob'] as string, 'min-object-prob'),
    splitDynamicsPx: dyn === 'inf' ? Infinity : num(dyn, 'split-dynamics'),
  };
}

/** Split membership of an image: its id, "<kind>/<id>" (ISBI) or its Herlev group (manifest.csv). */
function splitFilter(imagesDir: string, units: Set<string>): (id: string) => boolean {
  const parent = dirname(resolve(imagesDir));
  const kind = basename(parent);
  const groups = new Map<string, string>();
  const manifest = join(parent, 'manifest.csv');
  if (existsSync(manifest))
    for (const r of parseCsv(readFileSync(manifest, 'utf8')))
      if (r.id && r.group) groups.set(r.id, r.group);
  return (id) =>
    units.has(id) || units.has(`${kind}/${id}`) || units.has(groups.get(id) ?? '\u0000');
}

function pct(
  s: PixelScores | { precision: number; recall: number; f1: number },
): Record<string, number> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v]));
}

async function evalMasks(
  values: Record<string, string | boolean | undefined>,
  model: SegModel,
): Promise<void> {
  const imagesDir = values.images as string | undefined;
  const masksDir = values.masks as string | undefined;
  if (!imagesDir || !masksDir)
    throw new UsageError(
      'eval-seg needs --images DIR and --masks DIR (or --points CSV --fields DIR)',
    );
  let pairs;
  try {
    pairs = pairImagesWithMasks(imagesDir, masksDir);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  let splitLabel = 'all pairs';
  if (typeof values.split === 'string') {
    const { name, part } = parseSplit(values.split, ['herlev-sd', 'isbi2014']);
    const inSplit = splitFilter(imagesDir, unitsOf(loadSplit(name), part));
    pairs = pairs.filter((p) => inSplit(p.id));
    splitLabel = `${name}:${part}`;
  }
  if (pairs.length === 0) throw new CliError(`no image/mask pairs to evaluate (${splitLabel})`);
  const segmentImage = asShown(model, values);
  let pooled: PixelCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const perImage: PixelScores[] = [];
  const obj = { tp: 0, fp: 0, fn: 0 };
  const untouched = { pixels: 0, objects: 0 };
  const rows: Record<string, string | number>[] = [];
  const modes = new Set<string>();
  const scales: number[] = [];
  for (const p of pairs) {
    let img, truth;
    try {
      img = await readImage(p.imagePath);
      truth = await readMask(p.maskPath);
    } catch (e) {
      throw new CliError(`${p.id}: ${(e as Error).message}`);
    }
    if (img.width !== truth.width || img.height !== truth.height)
      throw new CliError(
        `${p.id}: image ${img.width}×${img.height} and mask ${truth.width}×${truth.height} differ in size`,
      );
    const r = await segmentImage(img);
    const { mode, scale } = r;
    modes.add(mode);
    scales.push(scale);
    const pred = new Uint8Array(r.labels.length);
    for (let i = 0; i < pred.length; i++) pred[i] = r.labels[i] ? 1 : 0;
    const c = pixelCounts(pred, truth.data);
    pooled = addCounts(pooled, c);
    const s = pixelScores(c);
    perImage.push(s);
    const u = pixelsInUntouchedObjects(r.labels, r.count, truth.data);
    untouched.pixels += u.pixels;
    untouched.objects += u.objects;
    const t = labelComponents(truth.data, truth.width, truth.height);
    const o = matchObjects(r.labels, r.count, t.labels, t.count, 0.5);
    obj.tp += o.tp;
    obj.fp += o.fp;
    obj.fn += o.fn;
    rows.push({
      image: p.id,
      mode,
      scale: Number(scale.toFixed(3)),
      precision: s.precision,
      recall: s.recall,
      zsi: s.zsi,
      pred: r.count,
      truth: t.count,
      matched: o.tp,
    });
  }
  const precision = obj.tp + obj.fp ? obj.tp / (obj.tp + obj.fp) : 1;
  const recall = obj.tp + obj.fn ? obj.tp / (obj.tp + obj.fn) : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  // Diagnostic: false positives in predicted objects that touch no annotated nucleus (a
  // neighbour's nucleus where a set annotates one per image), and the precision without them.
  const untouchedObjects = {
    objects: untouched.objects,
    pixels: untouched.pixels,
    share_of_false_positives: pooled.fp ? untouched.pixels / pooled.fp : 0,
    precision_without: pixelScores({ ...pooled, fp: pooled.fp - untouched.pixels }).precision,
  };
  const result = {
    pixel: {
      pooled: pixelScores(pooled),
      mean_per_image: meanScores(perImage),
      untouched_objects: untouchedObjects,
    },
    object: { precision, recall, f1, tp: obj.tp, fp: obj.fp, fn: obj.fn, iou_threshold: 0.5 },
    images: pairs.length,
    // Per image, so a change in the pooled figures can be traced to the images (and factors) that moved it.
    per_image: rows,
    split: splitLabel,
    mode: [...modes].join(','),
    scale: scaleSummary(scales, values),
    model: model.version,
    backend: tf.getBackend(),
  };
  if (values['per-image']) printTable(rows);
  console.log(
    `eval-seg: ${pairs.length} images (${splitLabel}), mode ${result.mode}, scale ${result.scale}, model ${model.version}, backend ${result.backend}`,
  );
  printTable(
    [
      { score: 'pixel pooled', ...pct(result.pixel.pooled) },
      { score: 'pixel mean/image', ...pct(result.pixel.mean_per_image) },
    ],
    ['score', 'precision', 'recall', 'zsi', 'iou'],
  );
  printTable([
    { score: 'object IoU≥0.5', precision, recall, f1, tp: obj.tp, fp: obj.fp, fn: obj.fn },
  ]);
  console.log(
    `false-positive pixels: ${(100 * untouchedObjects.share_of_false_positives).toFixed(1)} % in ${untouched.objects} predicted objects that touch no annotated nucleus; ` +
      `pixel precision without them ${untouchedObjects.precision_without.toFixed(4)} (a diagnostic for sets that annotate one nucleus per image; the scores above count them)`,
  );
  if (typeof values.json === 'string') writeJson(values.json, result);
}

async function evalPoints(
  values: Record<string, string | boolean | undefined>,
  model: SegModel,
): Promise<void> {
  const csv = values.points as string;
  const fieldsDir = values.fields as string | undefined;
  if (!fieldsDir) throw new UsageError('--points needs --fields DIR');
  if (!existsSync(csv)) throw new CliError(`points CSV not found: ${csv}`);
  if (!existsSync(fieldsDir)) throw new CliError(`fields folder not found: ${fieldsDir}`);
  let cells: CricCell[];
  try {
    cells = readCricCells(csv);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  let splitLabel = 'all fields';
  if (typeof values.split === 'string') {
    const { name, part } = parseSplit(values.split, ['cric']);
    const units = unitsOf(loadSplit(name), part);
    cells = cells.filter((c) => units.has(c.field));
    splitLabel = `${name}:${part}`;
  }
  if (cells.length === 0) throw new CliError(`no labelled points to evaluate (${splitLabel})`);
  const byField = new Map<string, CricCell[]>();
  for (const c of cells) byField.set(c.field, [...(byField.get(c.field) ?? []), c]);
  const perClass: Record<string, { hit: number; total: number; recall: number }> = {};
  let hit = 0;
  let total = 0;
  const scales: number[] = [];
  // Per field, so a change in recall can be traced to the fields (and scales) that moved it.
  const perField: { field: string; mode: string; scale: number; hit: number; total: number }[] = [];
  const modes = new Set<string>();
  const segmentImage = asShown(model, values);
  for (const [field, pts] of byField) {
    let img;
    try {
      img = await readImage(cricFieldPath(field, fieldsDir));
    } catch (e) {
      throw new CliError(`${field}: ${(e as Error).message}`);
    }
    // As `paplens analyze` with the same options: the mode too is chosen (a field, nearly always).
    const r = await segmentImage(img);
    const { scale } = r;
    modes.add(r.mode);
    scales.push(scale);
    const pr = pointRecall(r.labels, img.width, pts);
    hit += pr.hit;
    total += pr.total;
    perField.push({ field, mode: r.mode, scale, hit: pr.hit, total: pr.total });
    for (const c of pts) {
      const e = (perClass[c.label] ??= { hit: 0, total: 0, recall: 0 });
      const one = pointRecall(r.labels, img.width, [c]);
      e.hit += one.hit;
      e.total += 1;
    }
  }
  for (const e of Object.values(perClass)) e.recall = e.hit / e.total;
  const result = {
    points: { hit, total, recall: hit / total },
    per_class: perClass,
    fields: byField.size,
    per_field: perField,
    split: splitLabel,
    mode: [...modes].join(','),
    scale: scaleSummary(scales, values),
    model: model.version,
    backend: tf.getBackend(),
  };
  console.log(
    `eval-seg points: ${total} labelled nuclei in ${byField.size} fields (${splitLabel}), mode ${result.mode}, scale ${result.scale}, model ${model.version}, backend ${result.backend}`,
  );
  printTable([
    { class: 'all', ...result.points },
    ...Object.entries(perClass).map(([k, v]) => ({ class: k, ...v })),
  ]);
  if (values['per-image']) printTable(perField);
  if (typeof values.json === 'string') writeJson(values.json, result);
}

/** --mode: auto (default, as the app), cell or field. */
function modeOption(values: Record<string, string | boolean | undefined>): string {
  const m = (values.mode as string | undefined) ?? 'auto';
  if (!['auto', 'cell', 'field'].includes(m))
    throw new UsageError('--mode must be auto, cell or field');
  return m;
}

/**
 * Segments one image as the app outlines it (src/core/pipeline/segment-as-chosen.ts): a cell
 * through the nucleus finder's search, a field at the chosen factor. --default-scale instead
 * segments at the old fixed factor of the image's size mode (the network alone, no search).
 * Options are read once, before the images.
 */
function asShown(
  model: SegModel,
  values: Record<string, string | boolean | undefined>,
): (
  img: RgbaImage,
) => Promise<{ mode: AnalysisMode; scale: number; labels: Int32Array; count: number }> {
  const post = postOptions(values);
  const req = {
    mode: modeOption(values) as 'auto' | AnalysisMode,
    scale: num(values.scale as string, 'scale'),
  };
  const fixed = !!values['default-scale'];
  const seg = segAdapterOf(model, post);
  return async (img) => {
    const choice = await chooseModeAndScale(
      img,
      fixed || finderSearches(req) ? undefined : seg,
      req,
    );
    if (fixed) {
      const r = await segment(img, model, { mode: choice.mode, scale: choice.scale, ...post });
      return {
        mode: choice.mode,
        scale: choice.scale,
        labels: r.labels,
        count: r.instances.length,
      };
    }
    const s = await segmentAsChosen(img, seg, choice);
    return { mode: choice.mode, scale: s.scale, labels: s.labels, count: s.nuclei.length };
  };
}

function scaleSummary(
  scales: number[],
  values: Record<string, string | boolean | undefined>,
): string {
  const how = values.scale ? 'user' : values['default-scale'] ? 'default' : 'auto';
  const s = [...scales].sort((a, b) => a - b);
  const q = (f: number): string =>
    (s[Math.min(s.length - 1, Math.floor(f * s.length))] ?? NaN).toFixed(3);
  return `${how} (min ${q(0)} / median ${q(0.5)} / max ${q(1)})`;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseCliArgs(argv, {
    images: { type: 'string' },
    masks: { type: 'string' },
    points: { type: 'string' },
    fields: { type: 'string' },
    split: { type: 'string' },
    mode: { type: 'string' },
    scale: { type: 'string' },
    threshold: { type: 'string' },
    'min-area': { type: 'string' },
    'min-object-prob': { type: 'string' },
    'split-dynamics': { type: 'string' },
    'extra-zooms': { type: 'string' },
    model: { type: 'string' },
    json: { type: 'string' },
    'per-image': { type: 'boolean' },
    'default-scale': { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.points && !values.images)
    throw new UsageError('eval-seg needs --images DIR --masks DIR, or --points CSV --fields DIR');
  // One image at a time, no worker copies of the network: its passes get the cores as threads.
  await initNodeTf({ wasmThreads: threadsForOneAnalysis() });
  const model = await loadModel(values.model);
  try {
    if (values.points) await evalPoints(values, model);
    else await evalMasks(values, model);
  } finally {
    model.dispose();
  }
}
