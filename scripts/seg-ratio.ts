/**
 * SE-UNet network time, tfjs (Node, WASM backend) vs PyTorch CPU, on the same shipped weights and
 * the same input sizes the app feeds the network (cell: 1×128×128×1; field: 512×512 tiles).
 * Prints both and the ratio tfjs/PyTorch (issue 7 budget: ≤ 1.5). `npm run bench:ratio` runs
 * `paplens bench --stages segment_cell,segment_field` (end to end incl. post-processing) first.
 * `--threads N`: both sides get N threads (tfjs: XNNPACK threads of its threaded WASM build,
 * src/cli/wasm-threads.ts; until 2026-12-07 tfjs always ran one here against PyTorch's two).
 *
 *   npx tsx scripts/seg-ratio.ts [--runs 10] [--threads 2] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { summarize, type StageStats } from '../src/cli/commands/bench';
import { initNodeTf, wasmThreadCount } from '../src/cli/tf-node';
import { loadSegModel } from '../src/core/segment/model';
import { mulberry32 } from '../src/core/util/random';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    threads: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
});
const runs = Number(values.runs);
const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

const backend = await initNodeTf({ wasmThreads: Number(values.threads) });
const tfjsThreads = wasmThreadCount();
const model = await loadSegModel(nodeModelSource());
const tfjs: Record<string, StageStats> = {};
const loadTfjs = load();
for (const side of [128, 512]) {
  const rnd = mulberry32(side);
  const x = tf.tensor4d(Float32Array.from({ length: side * side }, rnd), [1, side, side, 1]);
  const once = async (): Promise<number> => {
    const t = performance.now();
    const y = model.predict(x);
    await y.data();
    y.dispose();
    return performance.now() - t;
  };
  const cold = await once();
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) warm.push(await once());
  x.dispose();
  tfjs[side === 128 ? 'cell_128' : 'tile_512'] = summarize(cold, warm);
}
model.dispose();

// PyTorch after tfjs (never concurrently: 2 cores).
const dir = mkdtempSync(join(tmpdir(), 'seg-ratio-'));
const torchJson = join(dir, 'torch.json');
const py = spawnSync(
  '/usr/bin/python3',
  [
    join(REPO_ROOT, 'scripts', 'torch-seg-bench.py'),
    '--runs',
    String(runs),
    '--threads',
    String(values.threads),
    '--json',
    torchJson,
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
if (py.status !== 0) {
  console.error(`PyTorch benchmark failed (exit ${py.status}); tfjs figures only.`);
  console.log(JSON.stringify({ backend, tfjs }, null, 1));
  process.exit(1);
}
const torch = JSON.parse(readFileSync(torchJson, 'utf8')) as {
  torch: string;
  threads: number;
  golden_max_abs_diff: number | null;
  forward: Record<string, StageStats>;
  load_average: number[];
};
const rows = Object.keys(tfjs).map((k) => ({
  input: k === 'cell_128' ? '1×128×128 (cell)' : '1×512×512 (field tile)',
  tfjs_median_ms: tfjs[k].median_ms,
  tfjs_min_ms: tfjs[k].min_ms,
  torch_median_ms: torch.forward[k].median_ms,
  torch_min_ms: torch.forward[k].min_ms,
  ratio_median: tfjs[k].median_ms / torch.forward[k].median_ms,
  ratio_min: tfjs[k].min_ms / torch.forward[k].min_ms,
}));
console.log(
  `SE-UNet forward, shipped weights: tfjs ${tf.version_core} ${backend}, ${tfjsThreads} thread${tfjsThreads === 1 ? '' : 's'} (load ${loadTfjs}) vs PyTorch ${torch.torch} CPU, ${torch.threads} threads (load ${torch.load_average.map((v) => v.toFixed(2)).join(' ')}); golden parity max |Δ| ${torch.golden_max_abs_diff?.toExponential(1) ?? 'n/a'}`,
);
console.table(
  rows.map((r) => ({
    ...r,
    tfjs_median_ms: +r.tfjs_median_ms.toFixed(1),
    tfjs_min_ms: +r.tfjs_min_ms.toFixed(1),
    torch_median_ms: +r.torch_median_ms.toFixed(1),
    torch_min_ms: +r.torch_min_ms.toFixed(1),
    ratio_median: +r.ratio_median.toFixed(2),
    ratio_min: +r.ratio_min.toFixed(2),
  })),
);
for (const r of rows)
  console.log(
    `${r.input}: tfjs/PyTorch = ${r.ratio_median.toFixed(2)}× (median), budget ≤ 1.5× → ${r.ratio_median <= 1.5 ? 'met' : 'missed'}`,
  );
if (values.json)
  writeFileSync(
    values.json,
    JSON.stringify(
      { backend, tfjs_threads: tfjsThreads, load_tfjs: loadTfjs, tfjs, pytorch: torch, rows },
      null,
      1,
    ) + '\n',
  );
