import * as tf from '@tensorflow/tfjs';
import { parseCliArgs } from '../args';
import { BENCH_STAGES } from '../bench-stages';
import { printTable, writeJson } from '../output';
import { initNodeTf } from '../tf-node';
import { nodeModelSource } from '../../models/node-source';
import { CliError, UsageError } from '../errors';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { benchFields, listFields } from '../field-bench';
import { loadPipelineModels } from '../../core/pipeline/models';
import { descriptorWorkerCount, shareSegTilesInNode } from '../seg-tile-workers';
import { startDescriptors, type AppDescriptors } from '../../app/worker/descriptors';
import { nodeDescriptorWorker } from '../../workers/node-worker';
import type { SegTileWorkers } from '../../workers/seg-tiles';
import { dataDir, hasData, NO_DATA_MESSAGE } from '../../data/paths';
import { PARTS, type Part } from '../../data/splits';

export interface StageStats {
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
  cold_ms: number;
}

export function summarize(cold: number, warm: number[]): StageStats {
  const s = [...warm].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return {
    median_ms: median,
    min_ms: s[0],
    max_ms: s[s.length - 1],
    runs: s.length,
    cold_ms: cold,
  };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseCliArgs(argv, {
    runs: { type: 'string', default: '10' },
    stages: { type: 'string' },
    json: { type: 'string' },
    fields: { type: 'string' },
    split: { type: 'string' },
    limit: { type: 'string' },
    mode: { type: 'string', default: 'field' },
  });
  if (values.mode !== 'auto' && values.mode !== 'field')
    throw new UsageError(`--mode must be auto or field, got "${values.mode}"`);
  if (values.fields !== undefined)
    return runFieldBench(values.fields, values.split, values.limit, values.json, values.mode);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new UsageError('--runs must be a positive integer');
  const wanted = values.stages ? new Set(values.stages.split(',')) : null;
  const backend = await initNodeTf();
  const manifest = await nodeModelSource().manifest();
  const modelBytes = manifest?.files.reduce((a, f) => a + f.bytes, 0) ?? 0;
  const stages: Record<string, StageStats> = {};
  const skipped: Record<string, string> = {};
  const selected = BENCH_STAGES.filter((s) => !wanted || wanted.has(s.name));
  if (selected.length === 0)
    throw new CliError(
      'no benchmark stage is available (no stage registered or none matches --stages)',
    );
  for (const stage of selected) {
    let fn: () => Promise<void> | void;
    try {
      fn = await stage.setup();
    } catch (e) {
      skipped[stage.name] = (e as Error).message;
      continue;
    }
    const t0 = performance.now();
    await fn();
    const cold = performance.now() - t0;
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await fn();
      warm.push(performance.now() - t);
    }
    await stage.teardown?.();
    stages[stage.name] = summarize(cold, warm);
  }
  const mem = process.memoryUsage();
  printTable(
    Object.entries(stages).map(([name, s]) => ({
      stage: name,
      median_ms: s.median_ms,
      min_ms: s.min_ms,
      max_ms: s.max_ms,
      cold_ms: s.cold_ms,
      runs: s.runs,
    })),
  );
  for (const [name, why] of Object.entries(skipped)) console.log(`skipped ${name}: ${why}`);
  console.log(
    `backend ${backend}; shipped model bytes ${modelBytes}; peak RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB; tensors ${tf.memory().numTensors}`,
  );
  if (values.json)
    writeJson(values.json, {
      stages,
      skipped,
      model_bytes: modelBytes,
      backend,
      rss_bytes: mem.rss,
      num_tensors: tf.memory().numTensors,
    });
}

/**
 * `paplens bench --fields DIR [--split cric:PART] [--limit N] [--mode field|auto]`: the user's path
 * on real fields (issue 13). `--fields default` = the CRIC test-split fields in ../shared.
 * `--mode auto` (the app's and `paplens analyze`'s default) also judges the mode from content; on
 * the dense field it costs the same as `field` (docs/PERFORMANCE.md, *The first image*).
 */
async function runFieldBench(
  dirArg: string,
  splitArg: string | undefined,
  limitArg: string | undefined,
  json: string | undefined,
  mode: 'auto' | 'field',
): Promise<void> {
  let dir = dirArg;
  let split = splitArg;
  if (dir === 'default') {
    if (!hasData()) throw new CliError(`--fields default needs ../shared: ${NO_DATA_MESSAGE}`);
    dir = join(dataDir(), 'cric', 'fields');
    split ??= 'cric:test';
  }
  if (!existsSync(dir)) throw new CliError(`fields folder not found: ${dir}`);
  let part: Part | undefined;
  if (split) {
    const [name, p] = split.split(':');
    if (name !== 'cric' || !PARTS.includes(p as Part))
      throw new UsageError(`--split must be cric:train|val|test, got "${split}"`);
    part = p as Part;
  }
  let files = listFields(dir, part ? { name: 'cric', part } : undefined);
  if (limitArg) files = files.slice(0, Number(limitArg));
  if (files.length === 0) throw new CliError(`no field images in ${dir}`);
  const backend = await initNodeTf();
  const source = nodeModelSource();
  // PAPLENS_DEEP_BATCH=0|1: crops one per CNN call or in batches, whatever the backend (an A/B).
  const batchEnv = process.env.PAPLENS_DEEP_BATCH;
  const models = await loadPipelineModels(source, {
    batchDeepCrops: batchEnv === undefined || batchEnv === '' ? undefined : batchEnv !== '0',
  });
  let segTiles: SegTileWorkers | null = null;
  let descriptors: AppDescriptors | null = null;
  try {
    if (!models.seg) throw new CliError('the segmentation model is not shipped; nothing to bench');
    // As `paplens analyze` with one analysis thread on several files, and as the app: tiles and
    // crops' CNNs shared with copies of the networks on other cores, LBP + SURF on a descriptor
    // worker thread (PAPLENS_BENCH_INLINE_DESCRIPTORS=1: inline, as this bench did before).
    segTiles = await shareSegTilesInNode(models, source);
    const describers = descriptorWorkerCount();
    if (models.vocabulary && process.env.PAPLENS_BENCH_INLINE_DESCRIPTORS !== '1') {
      descriptors = await startDescriptors(models.vocabulary, {
        createWorker: nodeDescriptorWorker,
        size: describers,
      });
      models.extractors.handcrafted = descriptors.hook;
    }
    const helpers = segTiles?.helpers.length ?? 0;
    const cnnHelpers = models.extractors.deepHelpers?.length ?? 0;
    const batched = models.extractors.deepBatch ? ', CNN crops in batches' : '';
    console.log(
      `bench: ${files.length} fields, backend ${backend}, one analysis thread + ${helpers} segmentation tile worker${helpers === 1 ? '' : 's'} (${cnnHelpers} with the CNNs)${batched}, ${descriptors ? describers : 0} LBP/SURF worker${describers === 1 ? '' : 's'}, ${mode} mode`,
    );
    const { rows, summary } = await benchFields(
      files,
      models,
      (t, i) =>
        console.log(
          `[${i + 1}/${files.length}] ${basename(t.file)} ${t.width}×${t.height}: ${t.nuclei} nuclei, ${t.total_ms.toFixed(0)} ms`,
        ),
      mode,
    );
    printTable(
      Object.entries(summary.stage_median_ms).map(([stage, ms]) => ({ stage, median_ms: ms })),
    );
    console.log(
      `fields ${summary.fields}; nuclei median ${summary.nuclei_median} (max ${summary.nuclei_max}); ` +
        `field time median ${summary.median_ms.toFixed(0)} ms, p90 ${summary.p90_ms.toFixed(0)} ms, max ${summary.max_ms.toFixed(0)} ms; ` +
        `≈ ${summary.ms_per_field_base.toFixed(0)} ms + ${summary.ms_per_nucleus.toFixed(1)} ms per nucleus; ` +
        `load ${summary.load[0].toFixed(2)} → ${summary.load[1].toFixed(2)}`,
    );
    if (json)
      writeJson(json, {
        backend,
        mode,
        seg_tile_workers: helpers,
        cnn_workers: cnnHelpers,
        cnn_batches: !!models.extractors.deepBatch,
        descriptor_workers: descriptors ? describers : 0,
        summary,
        fields: rows,
      });
  } finally {
    descriptors?.terminate();
    segTiles?.terminate();
    models.dispose();
  }
}
