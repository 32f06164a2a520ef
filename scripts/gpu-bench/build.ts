/**
 * Issue 13, item 4: pack what the GPU bench needs into .devdata/gpu-bench/ (ignored by git), for a
 * GPU machine that has no Node, no Chromium, no node_modules and no network, and takes at most
 * 64 MiB with the working tree (the `device` tool's limit):
 *
 * - paplens.mjs + its workers: the `paplens` CLI (the shipped pipeline, unchanged) bundled by
 *   esbuild into plain JavaScript, so no node_modules and no tsx are needed there;
 * - node.xz: this machine's Node binary, compressed;
 * - dawn.node.xz: Dawn's Node binding from the npm package `webgpu` (pinned below), the WebGPU
 *   implementation Chromium uses; PAPLENS_TF_BACKEND=webgpu loads it (src/cli/tf-dawn.ts);
 * - gl/: the Vulkan loader and libglvnd (Debian packages) that NVIDIA's Vulkan driver needs;
 * - shared/: a few CRIC test fields (the dense bench field first) and cells.csv, read by path from
 *   ../shared (never committed).
 *
 * Run: `npx tsx scripts/gpu-bench/build.ts [--fields N]`; then scripts/gpu-bench/device.sh there
 * (docs/PERFORMANCE.md, *WebGPU on a real GPU*).
 */
import { build, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { DENSE_BENCH_FIELD } from '../../src/cli/bench-inputs';
import { dataDir, REPO_ROOT } from '../../src/data/paths';
import { loadSplit, unitsOf } from '../../src/data/splits';

const WEBGPU_PACKAGE = 'webgpu@0.6.2';

const { values } = parseArgs({
  options: {
    fields: { type: 'string', default: '12' },
    // Only the JavaScript bundle, into `out` (the CI smoke test, tests/gpu-bench-node.test.ts).
    'bundle-only': { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, '.devdata', 'gpu-bench') },
  },
});
const OUT = resolve(values.out);
// It is emptied first: only ever a folder of the ignored .devdata/.
if (!OUT.startsWith(join(REPO_ROOT, '.devdata') + sep))
  throw new Error(`--out must be a folder inside .devdata/, got ${OUT}`);

/** Worker entries are named `./x.node-worker.ts` in new URL(…); in the bundle they are `.mjs`. */
const workerUrlsToMjs: Plugin = {
  name: 'worker-urls-to-mjs',
  setup(b) {
    b.onLoad({ filter: /src[\\/].*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(
        /(new URL\(\s*'[^']+\.node-worker)\.ts'/g,
        "$1.mjs'",
      ),
      loader: 'ts',
    }));
  },
};

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

// The bundle must sit two folders below the repository root, as src/data/paths.ts does, so
// REPO_ROOT (models, splits) resolves to the same place.
await build({
  entryPoints: {
    paplens: join(REPO_ROOT, 'scripts/gpu-bench/paplens-entry.ts'),
    'descriptor.node-worker': join(REPO_ROOT, 'src/workers/descriptor.node-worker.ts'),
    'seg-tile.node-worker': join(REPO_ROOT, 'src/workers/seg-tile.node-worker.ts'),
    'decode.node-worker': join(REPO_ROOT, 'src/workers/decode/decode.node-worker.ts'),
    'analysis.node-worker': join(REPO_ROOT, 'src/cli/analysis/analysis.node-worker.ts'),
    // Where a field's segmentation time goes (network passes vs post-processing).
    'profile-segment': join(REPO_ROOT, 'scripts/profile-segment.ts'),
  },
  outdir: OUT,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  plugins: [workerUrlsToMjs],
  // CommonJS dependencies call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});

if (values['bundle-only']) process.exit(0);

function xz(src: string, dst: string): void {
  execFileSync('sh', ['-c', `xz -T2 -6 -c "${src}" > "${dst}"`]);
}

xz(process.execPath, join(OUT, 'node.xz'));

const pack = join(OUT, 'pack');
mkdirSync(pack);
const tgz = execFileSync('npm', ['pack', WEBGPU_PACKAGE, '--silent'], { cwd: pack })
  .toString()
  .trim();
execFileSync('tar', ['xzf', tgz, 'package/dist/linux-x64/dawn.node', 'package/LICENSE.md'], {
  cwd: pack,
});
xz(join(pack, 'package/dist/linux-x64/dawn.node'), join(OUT, 'dawn.node.xz'));
copyFileSync(join(pack, 'package/LICENSE.md'), join(OUT, 'dawn-LICENSE.md'));
rmSync(pack, { recursive: true });

mkdirSync(join(OUT, 'gl'));
// The Vulkan loader and the GL vendor-neutral libraries NVIDIA's Vulkan driver loads.
const glPackages = [
  'libvulkan1',
  'libegl1',
  'libglvnd0',
  'libopengl0',
  'libgl1',
  'libglx0',
  'libgles2',
];
execFileSync('apt-get', ['download', ...glPackages], { cwd: join(OUT, 'gl'), stdio: 'ignore' });

// hasData() wants herlev-sd and cric; only CRIC fields are read.
const fieldsOut = join(OUT, 'shared/data/cric/fields');
mkdirSync(fieldsOut, { recursive: true });
mkdirSync(join(OUT, 'shared/data/herlev-sd'));
const cric = join(dataDir(), 'cric');
copyFileSync(join(cric, 'cells.csv'), join(OUT, 'shared/data/cric/cells.csv'));
const test = unitsOf(loadSplit('cric'), 'test');
const all = readdirSync(join(cric, 'fields'))
  .filter((f) => test.has(f))
  .sort();
const wanted = Math.max(1, Math.min(all.length, Number(values.fields)));
// The dense bench field, then test fields spread evenly over the sorted list.
const chosen = new Set([DENSE_BENCH_FIELD.field]);
for (let i = 0; chosen.size < wanted && i < all.length; i++)
  chosen.add(all[Math.floor((i * all.length) / wanted) % all.length]);
for (const f of chosen) copyFileSync(join(cric, 'fields', f), join(fieldsOut, f));

const du = (p: string): number =>
  statSync(p).isDirectory()
    ? readdirSync(p).reduce((s, f) => s + du(join(p, f)), 0)
    : statSync(p).size;
console.log(
  `${resolve(OUT)}: ${(du(OUT) / 2 ** 20).toFixed(1)} MiB (${chosen.size} fields); with the tracked tree this must stay under 64 MiB`,
);
