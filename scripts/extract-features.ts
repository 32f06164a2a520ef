/**
 * Extract the classifier's feature groups for every labelled CRIC cell with the SHIPPED pipeline
 * code (cropCell → segmentation of the crop → view → tfjs CNNs / LBP / SURF-BoF), and cache them
 * so training and ablations re-use them:
 *
 *   npx tsx scripts/extract-features.ts [--groups lbp,bof,mobilenet,squeezenet,darknet]
 *       [--views plain,suppressed,nucleus] [--parts train,val,test] [--nilm-train-max N]
 *       [--out .cache/features] [--limit-fields N]
 *
 * Cache layout (gitignored): <out>/cells.json (cellId, field, label index, part),
 * <out>/masks.{json,bin} (nucleus mask of each crop, 96×96 bytes), and per view/group
 * <out>/<view>/<group>.{json,f32} (cellIds + float32 rows). Re-running only computes what is
 * missing, so groups can be added as their modules land.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { isFeatureGroup, type FeatureGroupName } from '../src/core/classify/groups';
import { CELL_CROP_SIZE, cropCell } from '../src/core/image/crop-cell';
import {
  CELL_VIEWS,
  DEFAULT_CELL_PIPELINE,
  availableGroups,
  extractCellFeatures,
  type CellPipelineConfig,
  type CellView,
} from '../src/core/pipeline/cell-features';
import {
  loadPipelineModels,
  cellNucleusMask,
  disposePipelineModels,
} from '../src/core/pipeline/models';
import { CLASS_NAMES } from '../src/core/types';
import { mulberry32, shuffle } from '../src/core/util/random';
import { cricFieldPath, readCricCells, type CricCell } from '../src/data/datasets';
import { REPO_ROOT, hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, unitsOf, type Part } from '../src/data/splits';
import { initNodeTf } from '../src/cli/tf-node';
import { nodeModelSource } from '../src/models/node-source';

export const DEFAULT_CACHE = join(REPO_ROOT, '.cache', 'features');

export interface CachedCell {
  cellId: string;
  field: string;
  label: number;
  part: Part;
}

export interface GroupCache {
  /** Fingerprint of the models the rows were computed with (see `fingerprint`). */
  model?: string;
  dim: number;
  cellIds: string[];
  rows: Map<string, Float32Array>;
}

/** `--lbp riu2:1,2,3` → LBP config; `default:1` is the paper's 256-bin LBP. */
export function parseLbp(spec: string): CellPipelineConfig['lbp'] {
  const [variant, radii = '1'] = spec.split(':');
  if (variant !== 'default' && variant !== 'riu2')
    throw new Error(`unknown LBP variant ${variant}`);
  return { variant, radii: radii.split(',').map(Number) };
}

/** Cache file name of a group: LBP variants other than the paper's get their own file. */
export function cacheName(group: FeatureGroupName, lbp: CellPipelineConfig['lbp']): string {
  if (group !== 'lbp' || (lbp.variant === 'default' && lbp.radii.join() === '1')) return group;
  return `lbp-${lbp.variant}-${lbp.radii.join('-')}`;
}

export function readCells(dir = DEFAULT_CACHE): CachedCell[] {
  const p = join(dir, 'cells.json');
  if (!existsSync(p))
    throw new Error(`no feature cache at ${dir}: run scripts/extract-features.ts first`);
  return JSON.parse(readFileSync(p, 'utf8')) as CachedCell[];
}

export function readGroup(dir: string, view: string, group: string): GroupCache | null {
  const j = join(dir, view, `${group}.json`);
  if (!existsSync(j)) return null;
  const meta = JSON.parse(readFileSync(j, 'utf8')) as {
    model?: string;
    dim: number;
    cellIds: string[];
  };
  const buf = readFileSync(join(dir, view, `${group}.f32`));
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const rows = new Map<string, Float32Array>();
  meta.cellIds.forEach((id, i) => rows.set(id, all.subarray(i * meta.dim, (i + 1) * meta.dim)));
  return { model: meta.model, dim: meta.dim, cellIds: meta.cellIds, rows };
}

function writeGroup(dir: string, view: string, group: string, g: GroupCache): void {
  mkdirSync(join(dir, view), { recursive: true });
  const all = new Float32Array(g.cellIds.length * g.dim);
  g.cellIds.forEach((id, i) => all.set(g.rows.get(id)!, i * g.dim));
  writeFileSync(join(dir, view, `${group}.f32`), new Uint8Array(all.buffer));
  writeFileSync(
    join(dir, view, `${group}.json`),
    JSON.stringify({ model: g.model, dim: g.dim, cellIds: g.cellIds }),
  );
}

function readMasks(dir: string, model: string): Map<string, Uint8Array | null> {
  const out = new Map<string, Uint8Array | null>();
  const j = join(dir, 'masks.json');
  if (!existsSync(j)) return out;
  const meta = JSON.parse(readFileSync(j, 'utf8')) as {
    model?: string;
    cellIds: string[];
    found: boolean[];
  };
  if (meta.model !== model) {
    console.log(
      `discarding cached nucleus masks: computed with another segmentation model (${meta.model ?? 'unknown'})`,
    );
    return out;
  }
  const bin = new Uint8Array(readFileSync(join(dir, 'masks.bin')));
  const n = CELL_CROP_SIZE * CELL_CROP_SIZE;
  meta.cellIds.forEach((id, i) =>
    out.set(id, meta.found[i] ? bin.slice(i * n, (i + 1) * n) : null),
  );
  return out;
}

function writeMasks(dir: string, masks: Map<string, Uint8Array | null>, model: string): void {
  const ids = [...masks.keys()];
  const n = CELL_CROP_SIZE * CELL_CROP_SIZE;
  const bin = new Uint8Array(ids.length * n);
  ids.forEach((id, i) => {
    const m = masks.get(id);
    if (m) bin.set(m, i * n);
  });
  writeFileSync(join(dir, 'masks.bin'), bin);
  writeFileSync(
    join(dir, 'masks.json'),
    JSON.stringify({ model, cellIds: ids, found: ids.map((id) => !!masks.get(id)) }),
  );
}

/**
 * Which shipped model files a cached group depends on (first 12 hex of their SHA-256 from the
 * manifest): a cache computed with other models (e.g. a re-trained vocabulary) is discarded.
 * Views other than 'plain' also depend on the segmentation model.
 */
export async function fingerprint(
  group: FeatureGroupName,
  view: CellView,
  lbp: CellPipelineConfig['lbp'],
): Promise<string> {
  const m = await nodeModelSource().manifest();
  const sha = (path: string): string =>
    m?.files.find((f) => f.path === path)?.sha256.slice(0, 12) ?? 'none';
  const parts = [
    group === 'lbp'
      ? `lbp:${lbp.variant}:${lbp.radii.join('-')}`
      : group === 'bof'
        ? `bof:${sha('bof/vocabulary.json')}`
        : `${group}:${sha(`cnn/${group}/weights.bin`)}`,
  ];
  if (view !== 'plain') parts.push(`seg:${sha('seg/weights.bin')}`);
  return parts.join(',');
}

/** Train NILM subsample (seeded) when CPU time does not allow every NILM cell. */
export function selectCells(
  cells: CricCell[],
  parts: Part[],
  nilmTrainMax: number | null,
  seed = 1,
): CachedCell[] {
  const split = loadSplit('cric');
  const partOf = new Map<string, Part>();
  for (const p of parts) for (const f of unitsOf(split, p)) partOf.set(f, p);
  let out: CachedCell[] = cells
    .filter((c) => partOf.has(c.field))
    .map((c) => ({
      cellId: c.cellId,
      field: c.field,
      label: CLASS_NAMES.indexOf(c.label),
      part: partOf.get(c.field)!,
    }));
  if (nilmTrainMax !== null) {
    const nilmTrain = out.filter((c) => c.part === 'train' && c.label === 0).map((c) => c.cellId);
    const keep = new Set(shuffle(nilmTrain.sort(), mulberry32(seed)).slice(0, nilmTrainMax));
    out = out.filter((c) => !(c.part === 'train' && c.label === 0) || keep.has(c.cellId));
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      groups: { type: 'string' },
      views: { type: 'string', default: 'plain' },
      parts: { type: 'string', default: 'train,val,test' },
      'nilm-train-max': { type: 'string' },
      out: { type: 'string', default: DEFAULT_CACHE },
      'limit-fields': { type: 'string' },
      lbp: { type: 'string', default: 'default:1' },
    },
  });
  if (!hasData()) {
    console.error(NO_DATA_MESSAGE);
    process.exit(1);
  }
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const views = values.views.split(',') as CellView[];
  for (const v of views) if (!CELL_VIEWS.includes(v)) throw new Error(`unknown view ${v}`);
  const parts = values.parts.split(',') as Part[];

  const backend = await initNodeTf();
  const models = await loadPipelineModels(nodeModelSource(), { classifier: false });
  for (const m of models.missing) console.log(`note: ${m}`);
  const avail = availableGroups(models.extractors);
  const groups = (values.groups ? values.groups.split(',') : avail).filter(
    (g): g is FeatureGroupName => {
      if (!isFeatureGroup(g)) throw new Error(`unknown feature group ${g}`);
      if (!avail.includes(g)) console.log(`skipping group ${g}: its model is not available`);
      return avail.includes(g);
    },
  );
  const needMask = views.some((v) => v !== 'plain');
  if (needMask && !models.seg)
    throw new Error('views other than plain need the segmentation model');
  console.log(`backend ${backend}; groups ${groups.join(',')}; views ${views.join(',')}`);

  // cells.json lists every labelled cell; --nilm-train-max only limits what is extracted now
  // (a seeded subset, identical on every run), and training uses the cells that have features.
  const cellsPath = join(out, 'cells.json');
  const all = selectCells(readCricCells(), ['train', 'val', 'test'], null);
  writeFileSync(cellsPath, JSON.stringify(all));
  const nilmMax = values['nilm-train-max'] ? Number(values['nilm-train-max']) : null;
  const selected = selectCells(readCricCells(), parts, nilmMax);
  const cricById = new Map(readCricCells().map((c) => [c.cellId, c]));

  const lbp = parseLbp(values.lbp);
  const caches = new Map<string, GroupCache>();
  for (const v of views) {
    for (const g of groups) {
      const name = cacheName(g, lbp);
      const model = await fingerprint(g, v, lbp);
      const old = readGroup(out, v, name);
      if (old && old.model !== model)
        console.log(
          `discarding cached ${v}/${name}: computed with other models (${old.model ?? 'unknown'} ≠ ${model})`,
        );
      caches.set(
        `${v}/${g}`,
        old && old.model === model ? old : { model, dim: 0, cellIds: [], rows: new Map() },
      );
    }
  }
  const segPrint = await fingerprint('lbp', 'suppressed', lbp);
  const masks = needMask ? readMasks(out, segPrint) : new Map<string, Uint8Array | null>();
  const todo = selected.filter(
    (c) =>
      parts.includes(c.part) &&
      ((needMask && !masks.has(c.cellId)) ||
        [...caches.values()].some((g) => !g.rows.has(c.cellId))),
  );
  const byField = new Map<string, CachedCell[]>();
  for (const c of todo) byField.set(c.field, [...(byField.get(c.field) ?? []), c]);
  let fields = [...byField.keys()].sort();
  if (values['limit-fields']) fields = fields.slice(0, Number(values['limit-fields']));
  console.log(`${todo.length} cells to process in ${fields.length} fields`);

  const t0 = performance.now();
  let done = 0;
  const timings: Record<string, number> = {};
  const save = (): void => {
    for (const [key, g] of caches) {
      const [v, name] = key.split('/');
      if (g.cellIds.length) writeGroup(out, v, cacheName(name as FeatureGroupName, lbp), g);
    }
    if (needMask) writeMasks(out, masks, segPrint);
  };
  for (let fi = 0; fi < fields.length; fi++) {
    const field = fields[fi];
    const img = await readImage(cricFieldPath(field));
    for (const c of byField.get(field)!) {
      const cell = cricById.get(c.cellId)!;
      const crop = cropCell(img, cell.x, cell.y);
      let mask: Uint8Array | null = null;
      if (needMask) {
        if (!masks.has(c.cellId)) {
          const t = performance.now();
          masks.set(c.cellId, await cellNucleusMask(crop, models));
          timings.segment = (timings.segment ?? 0) + performance.now() - t;
        }
        mask = masks.get(c.cellId) ?? null;
      }
      for (const v of views) {
        const missing = groups.filter((g) => !caches.get(`${v}/${g}`)!.rows.has(c.cellId));
        if (!missing.length) continue;
        const f = await extractCellFeatures(
          crop,
          mask,
          models.extractors,
          missing,
          { ...DEFAULT_CELL_PIPELINE, view: v, lbp },
          timings,
        );
        for (const g of missing) {
          const cache = caches.get(`${v}/${g}`)!;
          cache.dim = f[g]!.length;
          cache.cellIds.push(c.cellId);
          cache.rows.set(c.cellId, f[g]!);
        }
      }
      done++;
    }
    if (fi % 10 === 9 || fi === fields.length - 1) {
      save();
      const s = (performance.now() - t0) / 1000;
      const per = Object.entries(timings)
        .map(([k, ms]) => `${k} ${(ms / done).toFixed(1)}`)
        .join(', ');
      console.log(
        `${fi + 1}/${fields.length} fields, ${done}/${todo.length} cells, ${s.toFixed(0)} s (${((1000 * s) / done).toFixed(0)} ms/cell; per cell ms: ${per})`,
      );
    }
  }
  save();
  disposePipelineModels(models);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error((e as Error).stack ?? String(e));
    process.exit(1);
  });
}
