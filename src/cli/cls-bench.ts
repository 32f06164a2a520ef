// Node-only: `paplens bench` stages of the classification pipeline (registered in src/cli/bench-stages.ts).
import type { BenchStage } from './bench-stages';
import { analyze } from '../core/analyze';
import { classifyFeatures } from '../core/classify/fusion';
import { cropCell } from '../core/image/crop-cell';
import type { RgbaImage } from '../core/image/types';
import { extractCellFeatures } from '../core/pipeline/cell-features';
import { cellNucleusMask, loadPipelineModels, type PipelineModels } from '../core/pipeline/models';
import { mulberry32 } from '../core/util/random';
import { cricFieldPath, readCricCells } from '../data/datasets';
import { hasData } from '../data/paths';
import { readImage } from '../data/read-image';
import { ModelMissingError } from '../models/manifest';
import { nodeModelSource } from '../models/node-source';
import { initNodeTf } from './tf-node';

/** A fixed benchmark field: the first CRIC field with labelled cells, or a seeded synthetic one. */
async function benchField(): Promise<{ field: RgbaImage; cell: { x: number; y: number } }> {
  if (hasData()) {
    const c = readCricCells()[0];
    return { field: await readImage(cricFieldPath(c.field)), cell: { x: c.x, y: c.y } };
  }
  const w = 1280;
  const h = 960;
  const r = mulberry32(11);
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++)
    data.set([215 + r() * 20, 205 + r() * 20, 220 + r() * 20, 255], 4 * i);
  for (let k = 0; k < 40; k++) {
    const cx = 40 + r() * (w - 80);
    const cy = 40 + r() * (h - 80);
    const rad = 8 + r() * 12;
    for (let y = Math.floor(cy - rad); y <= cy + rad; y++)
      for (let x = Math.floor(cx - rad); x <= cx + rad; x++)
        if ((x - cx) ** 2 + (y - cy) ** 2 <= rad * rad)
          data.set([80 + r() * 30, 60 + r() * 30, 120 + r() * 30, 255], 4 * (y * w + x));
  }
  return { field: { width: w, height: h, data }, cell: { x: w / 2, y: h / 2 } };
}

let shared: Promise<PipelineModels> | null = null;
async function models(): Promise<PipelineModels> {
  await initNodeTf();
  shared ??= loadPipelineModels(nodeModelSource());
  const m = await shared;
  if (!m.cls)
    throw new ModelMissingError('no trained classification model is present (public/models/cls)');
  return m;
}

export const CLS_BENCH_STAGES: BenchStage[] = [
  {
    // PCA of every group + concatenation + MLP + calibrated softmax, for one cell's features.
    name: 'pca_mlp',
    async setup() {
      const m = await models();
      const { field, cell } = await benchField();
      const crop = cropCell(field, cell.x, cell.y);
      const mask = m.cls!.pipeline.view === 'plain' ? null : await cellNucleusMask(crop, m);
      const f = await extractCellFeatures(
        crop,
        mask,
        m.extractors,
        m.cls!.groups.map((g) => g.name),
        m.cls!.pipeline,
      );
      return () => {
        classifyFeatures(m.cls!, f);
      };
    },
  },
  {
    // One 128×128 cell image end to end: segmentation + crop + all features + PCA/MLP.
    name: 'cell_total',
    async setup() {
      const m = await models();
      if (!m.seg)
        throw new ModelMissingError('no trained segmentation model is present (public/models/seg)');
      const { field, cell } = await benchField();
      const img = cropCell(field, cell.x, cell.y, 128);
      return async () => {
        await analyze(img, m, { mode: 'cell' });
      };
    },
  },
  {
    // One 1280×~960 field end to end: segmentation of all nuclei, then every nucleus classified.
    name: 'field_total',
    async setup() {
      const m = await models();
      if (!m.seg)
        throw new ModelMissingError('no trained segmentation model is present (public/models/seg)');
      const { field } = await benchField();
      return async () => {
        await analyze(field, m, { mode: 'field' });
      };
    },
    async teardown() {
      (await shared)?.dispose();
      shared = null;
    },
  },
];
