// Node-only: `paplens bench` stages of the classification pipeline (registered in src/cli/bench-stages.ts).
import type { BenchStage } from './bench-stages';
import { analyze } from '../core/analyze';
import { classifyFeatures } from '../core/classify/fusion';
import { cropCell } from '../core/image/crop-cell';
import { extractCellFeatures } from '../core/pipeline/cell-features';
import { cellNucleusMask, loadPipelineModels, type PipelineModels } from '../core/pipeline/models';
import { benchField } from './bench-inputs';
import { ModelMissingError } from '../models/manifest';
import { nodeModelSource } from '../models/node-source';
import { initNodeTf } from './tf-node';

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
