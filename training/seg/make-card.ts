// Writes public/models/seg/card.json (the machine-readable model card) from the stage-5 training
// summary and the eval-seg JSON results of training/seg/eval-all.sh. Run after both:
//   npx tsx training/seg/make-card.ts [docs/results/seg-stage5-F-summary.json] [training/runs/seg-eval]
// Stages 1-2 are written as recorded facts: their run folders were not kept in the repository.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/data/paths';

const summaryPath = process.argv[2] ?? join(REPO_ROOT, 'docs/results/seg-stage5-F-summary.json');
const evalDir = process.argv[3] ?? join(REPO_ROOT, 'training/runs/seg-eval');
const SHIPPED_STEP = 300;
const dir = join(REPO_ROOT, 'public/models/seg');
const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
const shippedEval = summary.evals.find((e: { step: number }) => e.step === SHIPPED_STEP);
if (!shippedEval) throw new Error(`no eval at step ${SHIPPED_STEP} in ${summaryPath}`);
// The card keeps the totals; the per-image and per-field rows stay in the eval JSON.
const read = (f: string): unknown => {
  const { per_image: _i, per_field: _f, ...totals } = JSON.parse(
    readFileSync(join(evalDir, f), 'utf8'),
  ) as Record<string, unknown>;
  return totals;
};
const files = ['model.json', 'weights.bin'].map((f) => {
  const b = readFileSync(join(dir, f));
  return { path: `seg/${f}`, bytes: b.length, sha256: createHash('sha256').update(b).digest('hex') };
});
const D = '../shared/data';
const card = {
  model: 'Residual SE-UNet (PapLens nucleus segmentation)',
  version: files[1].sha256.slice(0, 12),
  files,
  total_bytes: files.reduce((a, f) => a + f.bytes, 0),
  architecture: 'training/seg/model.py (PyTorch) = src/core/segment/model.ts (tfjs); kind rse, base 16, depth 4, 827,557 parameters, float32',
  input:
    '1-channel grey (BT.601 luma), working scale = CRIC 1280-px field grid; the factor to it is estimated per image by a coarse pass (src/core/segment/auto-scale.ts; a user µm/px or --scale wins; default cells ×0.5, fields ×1)',
  data: {
    train: 'Herlev-SD train groups (140 cells, ×0.5), ISBI 2014 synthetic train (31 images) and EDF train (EDF000, 003, 004, 007)',
    model_selection: 'best mean val Dice over Herlev-SD val (19 cells), ISBI synthetic val (7), EDF val (EDF005, 006)',
    splits: 'data/splits/herlev-sd.json, data/splits/isbi2014.json, data/splits/cric.json (seed 20261126)',
    test: 'Herlev-SD test groups, ISBI synthetic + EDF test (EDF001, EDF002), CRIC test fields (points)',
  },
  training: {
    stage1_command:
      'python3 training/seg/train.py --out OUT --steps 20000 --time-limit 195 --eval-every 400 --threads 8',
    stage1: 'NVIDIA H100 80GB HBM3 (torch 2.11.0+cu130), three ablation variants in lockstep; 3,450 steps × 32 patches of 128² (195.3 s), Adam lr 1e-3, 100-step warm-up, cosine decay, Dice loss (paper eq. 1); best val checkpoint step 2,800 (val Dice Herlev 0.957, synthetic 0.947, EDF 0.863)',
    stage2_command:
      '/usr/bin/python3 training/seg/train.py --init training/runs/seg-gpu/rse.pt --variants rse --field-zoom 0.7,2.0 --lr 2e-4 --warmup 20 --batch 16 --steps 100000 --time-limit 2400 --eval-every 150 --threads 1 --out training/runs/seg-ft',
    stage2: 'CPU fine-tune (1 thread) with field patches zoomed 0.7-2.0; step 300 chosen on val (CRIC val point recall 0.801 vs 0.740); shipped until 2026-11-28 as version c666229831da',
    stage5_command: 'bash training/seg/gpu-robust-ema.sh (run F)',
    stage5: `issue 12 robust fine-tune of stage 2's weights on ${summary.gpu} (torch ${summary.torch}): cell and field zoom ${summary.args.cell_zoom} with ${summary.args.zoom_core_share * 100} % of patches in [0.71, 1.4], stain jitter ×${summary.args.stain}, batch mix ${summary.args.mix} (Herlev, synthetic, EDF), Adam lr ${summary.args.lr}, ${summary.args.warmup}-step warm-up, EMA ${summary.args.ema} of the weights evaluated and saved; shipped = EMA weights at step ${SHIPPED_STEP} of ${summary.steps}, chosen on val (docs/SEGMENTATION.md, stage 5 and its decision)`,
    seed: summary.args.seed,
    batch: summary.args.batch,
    patch: summary.args.patch,
    epochs_note: `step-based (random augmented patches): ≈ 110k patches in stage 1, 4.8k in stage 2, ${SHIPPED_STEP * summary.args.batch} in stage 5`,
    stage5_val_pytorch: shippedEval.val,
  },
  postprocessing: 'fields: max of the probability maps at x1 and x0.7 of the working scale (extraZooms, chosen on CRIC val); threshold 0.5, specks < 100 px removed, holes ≤ 400 px filled, watershed split at dynamics ≥ 1 px (working-scale px; tuned on val: training/seg/tune-postprocess.ts)',
  metrics: {
    herlev_sd_test: { command: `npx paplens eval-seg --images ${D}/herlev-sd/images --masks ${D}/herlev-sd/masks --split herlev-sd:test`, result: read('herlev-test.json') },
    isbi_edf_test: { command: `npx paplens eval-seg --images ${D}/isbi2014/edf/images --masks ${D}/isbi2014/edf/masks --split isbi2014:test`, result: read('edf-test.json') },
    isbi_synthetic_test: { command: `npx paplens eval-seg --images ${D}/isbi2014/synthetic/images --masks ${D}/isbi2014/synthetic/masks --split isbi2014:test`, result: read('synthetic-test.json') },
    cric_test_points: { command: `npx paplens eval-seg --points ${D}/cric/cells.csv --fields ${D}/cric/fields --split cric:test`, result: read('cric-test.json') },
  },
  targets: {
    herlev_sd: 'ZSI ≥ 0.95, precision and recall ≥ 0.95',
    isbi_edf: 'pixel precision ≥ 0.95, recall ≥ 0.95, object F1 ≥ 0.90',
    cric: 'point recall ≥ 0.95',
  },
  licence_and_citations: 'Herlev (Jantzen et al. 2005), ISBI 2014 (Lu et al. 2015), CRIC (Rezende et al. 2021, CC BY 4.0)',
};
writeFileSync(join(dir, 'card.json'), JSON.stringify(card, null, 1) + '\n');
console.log('wrote public/models/seg/card.json', card.version);
