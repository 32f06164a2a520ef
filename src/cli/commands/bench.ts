import * as tf from '@tensorflow/tfjs';
import { parseCliArgs } from '../args';
import { BENCH_STAGES } from '../bench-stages';
import { printTable, writeJson } from '../output';
import { initNodeTf } from '../tf-node';
import { nodeModelSource } from '../../models/node-source';
import { CliError, UsageError } from '../errors';

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
  });
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
