import { createHash } from 'node:crypto';
import { runCli } from './support/run-cli';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { AnalysisCancelledError, analyze, chooseMode } from '../src/core/analyze';
import { serializeFusionModel } from '../src/core/classify/model-io';
import { trainFusion } from '../src/core/classify/train';
import { cropCell } from '../src/core/image/crop-cell';
import type { RgbaImage } from '../src/core/image/types';
import {
  DEFAULT_CELL_PIPELINE,
  cellView,
  extractCellFeatures,
} from '../src/core/pipeline/cell-features';
import { classifyCrop } from '../src/core/pipeline/classify-cell';
import {
  loadPipelineModels,
  mainNucleusIndex,
  staleFeatureModels,
  type PipelineModels,
  type SegAdapter,
  type SegOutput,
} from '../src/core/pipeline/models';
import { nodeModelSource } from '../src/models/node-source';
import type { ModelSource } from '../src/models/source';
import type { FusionModel } from '../src/core/classify/fusion';
import { CLASS_NAMES } from '../src/core/types';
import { mulberry32 } from '../src/core/util/random';
import { loadCellClassifier } from '../src/core/cell/herlev-classifier';
import { REPO_ROOT } from '../src/data/paths';

/**
 * Synthetic "cells": dark disks on a light background. NILM disks are smooth, HSIL disks carry a
 * strong random texture, so an LBP-only classifier can learn them through the real pipeline.
 */
function drawField(
  w: number,
  h: number,
  cells: { x: number; y: number; r: number; textured: boolean }[],
  seed: number,
): RgbaImage {
  const rand = mulberry32(seed);
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const v = 225 + Math.floor(rand() * 6);
    data.set([v, v - 5, v + 3, 255], 4 * i);
  }
  for (const c of cells) {
    for (let y = Math.max(0, c.y - c.r); y < Math.min(h, c.y + c.r + 1); y++) {
      for (let x = Math.max(0, c.x - c.r); x < Math.min(w, c.x + c.r + 1); x++) {
        if ((x - c.x) ** 2 + (y - c.y) ** 2 > c.r * c.r) continue;
        const v = c.textured ? 40 + Math.floor(rand() * 120) : 90;
        data.set([v, v - 20, v + 30, 255], 4 * (y * w + x));
      }
    }
  }
  return { width: w, height: h, data };
}

/** Test double for the segmentation model: dark pixels, connected components (4-neighbour). */
function fakeSeg(): SegAdapter {
  return {
    version: 'fake',
    dispose: () => undefined,
    async segment(img: RgbaImage): Promise<SegOutput> {
      const { width: w, height: h } = img;
      const labels = new Int32Array(w * h);
      const nuclei: SegOutput['nuclei'] = [];
      for (let s = 0; s < w * h; s++) {
        if (labels[s] || img.data[4 * s] > 180) continue;
        const id = nuclei.length + 1;
        const stack = [s];
        labels[s] = id;
        let n = 0;
        let sx = 0;
        let sy = 0;
        let x0 = w;
        let y0 = h;
        let x1 = 0;
        let y1 = 0;
        while (stack.length) {
          const p = stack.pop()!;
          const x = p % w;
          const y = (p - x) / w;
          n++;
          sx += x;
          sy += y;
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x);
          y1 = Math.max(y1, y);
          for (const q of [p - 1, p + 1, p - w, p + w]) {
            if (q < 0 || q >= w * h || labels[q] || img.data[4 * q] > 180) continue;
            if (Math.abs((q % w) - x) > 1) continue;
            labels[q] = id;
            stack.push(q);
          }
        }
        nuclei.push({
          contour: [
            [x0, y0],
            [x1, y0],
            [x1, y1],
            [x0, y1],
          ],
          bbox: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 },
          centroid: { x: sx / n, y: sy / n },
          morphometrics: {
            areaPx: n,
            perimeterPx: 0,
            circularity: 1,
            eccentricity: 0,
            meanIntensity: 0.3,
          },
        });
      }
      return { width: w, height: h, labels, nuclei, scale: 1 };
    },
  };
}

async function trainToyModel() {
  const sets = { train: { features: [], y: [] }, val: { features: [], y: [] } } as Record<
    'train' | 'val',
    { features: Awaited<ReturnType<typeof extractCellFeatures>>[]; y: number[] }
  >;
  let seed = 1;
  for (const part of ['train', 'val'] as const) {
    for (let i = 0; i < (part === 'train' ? 60 : 30); i++) {
      const textured = i % 2 === 1;
      const img = drawField(96, 96, [{ x: 48, y: 48, r: 10 + (i % 7), textured }], seed++);
      sets[part].features.push(
        await extractCellFeatures(img, null, {}, ['lbp'], DEFAULT_CELL_PIPELINE),
      );
      sets[part].y.push(textured ? CLASS_NAMES.indexOf('HSIL') : 0);
    }
  }
  return trainFusion(sets.train, sets.val, {
    groups: ['lbp'],
    classes: CLASS_NAMES,
    mlp: { hidden: 16, maxEpochs: 60, patience: 10, seed: 3 },
    meta: { version: 'toy' },
  }).model;
}

const toyModel = trainToyModel();

function models(over: Partial<PipelineModels> = {}): Promise<PipelineModels> {
  return toyModel.then((cls) => ({
    seg: fakeSeg(),
    extractors: {},
    cls,
    missing: [],
    versions: { cls: 'toy', seg: 'fake' },
    dispose: () => undefined,
    ...over,
  }));
}

const field = drawField(
  400,
  300,
  [
    { x: 60, y: 60, r: 12, textured: false },
    { x: 200, y: 80, r: 14, textured: true },
    { x: 320, y: 220, r: 11, textured: false },
    { x: 120, y: 230, r: 13, textured: true },
  ],
  99,
);

describe('analyze()', () => {
  it('field mode: every nucleus gets calibrated probabilities from the real pipeline', async () => {
    const m = await models();
    const r = await analyze(field, m, { mode: 'field', name: 'toy.png' });
    expect(r.mode).toBe('field');
    expect(r.modeSource).toBe('user');
    expect(r.image).toEqual({ width: 400, height: 300, name: 'toy.png' });
    expect(r.nuclei).toHaveLength(4);
    for (const n of r.nuclei) {
      const p = n.probabilities!;
      expect(p).toHaveLength(6);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(n.abnormalProbability).toBeCloseTo(1 - p[0], 6);
      expect(n.confidence).toBe(Math.max(...p));
      // The same crop through classifyCrop (the eval-cls path) gives identical numbers.
      const direct = await classifyCrop(cropCell(field, n.centroid.x, n.centroid.y), m);
      expect(direct.probabilities).toEqual(p);
    }
    // Textured disks (abnormal) score above smooth ones.
    const byX = [...r.nuclei].sort((a, b) => a.centroid.x - b.centroid.x);
    const smooth = [byX[0], byX[3]].map((n) => n.abnormalProbability!);
    const textured = [byX[1], byX[2]].map((n) => n.abnormalProbability!);
    expect(Math.min(...textured)).toBeGreaterThan(Math.max(...smooth));
    expect(byX[1].label).toBe('HSIL');
    expect(byX[0].label).toBe('NILM');
    const stages = r.timings.map((t) => t.stage);
    for (const s of ['segment', 'lbp', 'pca_mlp', 'total']) expect(stages).toContain(s);
    expect(r.warnings.filter((w) => /mode|chosen/.test(w))).toHaveLength(0);
    expect(r.warnings.some((w) => /not validated/.test(w))).toBe(false);
  });

  it('cell mode: the central nucleus is primary (first), neighbours secondary; auto mode picks cell for small images and says so', async () => {
    const img = drawField(
      128,
      128,
      [
        { x: 64, y: 62, r: 12, textured: true },
        { x: 10, y: 10, r: 6, textured: false },
      ],
      5,
    );
    const r = await analyze(img, await models(), {});
    expect(r.mode).toBe('cell');
    expect(r.modeSource).toBe('size'); // the stub segmenter has no coarse pass
    expect(r.nuclei).toHaveLength(2);
    expect(Math.abs(r.nuclei[0].centroid.x - 64)).toBeLessThan(1.5);
    expect(r.nuclei.map((n) => n.primary)).toEqual([true, false]);
    // Only the primary nucleus is classified in cell mode.
    expect(r.nuclei[0].probabilities).not.toBeNull();
    expect(r.nuclei[1].probabilities).toBeNull();
    expect(r.warnings.some((w) => /single-cell/.test(w))).toBe(true);
    // Cell-mode classification carries the measured cross-dataset caveat; fields do not.
    expect(r.warnings.some((w) => /not validated/.test(w))).toBe(true);
    expect(chooseMode(field)).toBe('field');
  });

  it('an image with no cell in it (blank frame): no nucleus, no class, and a sentence saying so', async () => {
    const blank = drawField(200, 200, [], 7);
    for (const over of [{}, { seg: undefined }]) {
      const r = await analyze(blank, await models(over), {});
      expect(r.mode).toBe('cell');
      expect(r.nuclei).toHaveLength(0);
      expect(r.warnings.some((w) => /^No nucleus was found in this image/.test(w))).toBe(true);
      // Nothing about a classification or a found nucleus follows.
      expect(r.warnings.some((w) => /darkest region|not validated|was found at/.test(w))).toBe(
        false,
      );
      expect(r.scaleSource).toBe('default');
      expect(r.modeSource).toBe('size');
    }
  });

  it('reports missing models plainly instead of inventing results', async () => {
    const noCls = await analyze(
      field,
      await models({
        cls: undefined,
        missing: ['no trained classification model is present (public/models/cls)'],
      }),
      {
        mode: 'field',
      },
    );
    expect(noCls.nuclei).toHaveLength(4);
    expect(noCls.nuclei.every((n) => n.probabilities === null && n.label === null)).toBe(true);
    expect(noCls.warnings).toContain(
      'No trained classification model is present (public/models/cls).',
    );
    const noSeg = await analyze(field, await models({ seg: undefined }), { mode: 'field' });
    expect(noSeg.nuclei).toHaveLength(0);
    expect(noSeg.warnings.some((w) => /no nuclei can be found/.test(w))).toBe(true);
  });

  it('honours cancellation and rejects malformed images with a sentence', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(analyze(field, await models(), { signal: ctl.signal })).rejects.toBeInstanceOf(
      AnalysisCancelledError,
    );
    await expect(
      analyze({ width: 3, height: 3, data: new Uint8ClampedArray(5) }, await models()),
    ).rejects.toThrow(/empty or its pixel data/);
  });

  it('main nucleus: the one under the centre, else the nearest sizeable one', () => {
    const labels = new Int32Array(100);
    labels[55] = 2;
    const s: SegOutput = {
      width: 10,
      height: 10,
      labels,
      scale: 1,
      nuclei: [
        {
          contour: [],
          bbox: { x: 0, y: 0, width: 1, height: 1 },
          centroid: { x: 1, y: 1 },
          morphometrics: {
            areaPx: 50,
            perimeterPx: 0,
            circularity: 1,
            eccentricity: 0,
            meanIntensity: 0,
          },
        },
        {
          contour: [],
          bbox: { x: 5, y: 5, width: 1, height: 1 },
          centroid: { x: 9, y: 9 },
          morphometrics: {
            areaPx: 1,
            perimeterPx: 0,
            circularity: 1,
            eccentricity: 0,
            meanIntensity: 0,
          },
        },
        {
          contour: [],
          bbox: { x: 5, y: 5, width: 1, height: 1 },
          centroid: { x: 6, y: 7 },
          morphometrics: {
            areaPx: 9,
            perimeterPx: 0,
            circularity: 1,
            eccentricity: 0,
            meanIntensity: 0,
          },
        },
      ],
    };
    expect(mainNucleusIndex(s)).toBe(1); // label under the centre wins
    labels[55] = 0;
    expect(mainNucleusIndex(s)).toBe(2); // else the nearest within a third of the crop
    s.nuclei.pop();
    expect(mainNucleusIndex(s)).toBe(-1); // both others are farther than a third of the crop
  });

  it('views: suppressed keeps the nucleus and its rim, nucleus-only restricts LBP to the mask', () => {
    const img = drawField(96, 96, [{ x: 48, y: 48, r: 10, textured: true }], 7);
    const mask = new Uint8Array(96 * 96);
    for (let y = 0; y < 96; y++)
      for (let x = 0; x < 96; x++) if ((x - 48) ** 2 + (y - 48) ** 2 <= 100) mask[y * 96 + x] = 1;
    const sup = cellView(img, mask, { ...DEFAULT_CELL_PIPELINE, view: 'suppressed' });
    const at = (im: RgbaImage, x: number, y: number) =>
      Array.from(im.data.slice(4 * (y * 96 + x), 4 * (y * 96 + x) + 3));
    expect(at(sup.image, 48, 48)).toEqual(at(img, 48, 48));
    expect(at(sup.image, 60, 48)).toEqual(at(img, 60, 48)); // within the 4-px rim
    expect(sup.region).toBeUndefined();
    const far = at(sup.image, 5, 5);
    expect(at(sup.image, 90, 90)).toEqual(far); // constant fill outside
    const nuc = cellView(img, mask, { ...DEFAULT_CELL_PIPELINE, view: 'nucleus' });
    expect(nuc.region).toBe(nuc.region && nuc.region.length === 96 * 96 ? nuc.region : null);
    expect(at(nuc.image, 60, 48)).toEqual(far);
    // No nucleus found → the plain crop (same rule in training and in use).
    expect(
      cellView(img, new Uint8Array(96 * 96), { ...DEFAULT_CELL_PIPELINE, view: 'nucleus' }).image,
    ).toBe(img);
  });
});

/** A models folder (with manifest) holding the toy classifier only. */
async function toyModelsDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'paplens-cls-'));
  const { json, bin } = serializeFusionModel(await toyModel);
  const files: Record<string, Uint8Array> = {
    'cls/model.json': new TextEncoder().encode(JSON.stringify(json)),
    'cls/weights.bin': bin,
  };
  for (const [p, b] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), b);
  }
  const manifest = {
    version: 'test',
    files: Object.entries(files).map(([path, b]) => ({
      path,
      bytes: b.length,
      sha256: createHash('sha256').update(b).digest('hex'),
    })),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

describe('model loading', () => {
  it('an empty models folder: nothing loaded, every missing model named', async () => {
    const m = await loadPipelineModels(
      nodeModelSource(mkdtempSync(join(tmpdir(), 'paplens-empty-'))),
    );
    expect(m.seg).toBeUndefined();
    expect(m.cls).toBeUndefined();
    const all = m.missing.join(' | ');
    for (const what of ['segmentation', 'deep feature', 'bag-of-features', 'classification'])
      expect(all).toContain(what);
  });

  it.skipIf(!existsSync(join(REPO_ROOT, 'public', 'models', 'cell', 'cnn.json')))(
    'refuses the single-cell classifier when the shipped cell CNNs are not those it was trained with',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'paplens-stale-cell-'));
      const shipped = join(REPO_ROOT, 'public', 'models');
      cpSync(join(shipped, 'cell'), join(dir, 'cell'), { recursive: true });
      const manifest = JSON.parse(readFileSync(join(shipped, 'manifest.json'), 'utf8')) as {
        files: { path: string; bytes: number; sha256: string }[];
      };
      const writeManifest = () =>
        writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      writeManifest();
      const good = await loadCellClassifier(nodeModelSource(dir));
      good.dispose();
      // "Re-export" the cell CNNs: a new config version (its manifest entry updated to match).
      const cfgPath = join(dir, 'cell', 'cnn.json');
      const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as { version: string };
      const bytes = Buffer.from(JSON.stringify({ ...cfg, version: 'retrained000' }));
      writeFileSync(cfgPath, bytes);
      const entry = manifest.files.find((f) => f.path === 'cell/cnn.json')!;
      entry.bytes = bytes.length;
      entry.sha256 = createHash('sha256').update(bytes).digest('hex');
      writeManifest();
      await expect(loadCellClassifier(nodeModelSource(dir))).rejects.toThrow(
        /trained with other CNNs .* than those shipped in cell\/cnn.json \(retrained000\)/,
      );
      rmSync(dir, { recursive: true, force: true });
    },
  );

  it('refuses a classifier trained with other feature models than those shipped', async () => {
    const source = {
      manifest: async () => ({
        version: 't',
        files: [{ path: 'bof/vocabulary.json', bytes: 1, sha256: 'abcdef0123456789' }],
      }),
    } as unknown as ModelSource;
    const cls = {
      groups: [{ name: 'bof' }, { name: 'lbp' }],
      meta: { featureModels: { bof: 'bof:abcdef012345', lbp: 'lbp:default:1' } },
    } as unknown as FusionModel;
    expect(await staleFeatureModels(source, cls)).toEqual([]);
    const other = {
      ...cls,
      meta: { featureModels: { bof: 'bof:999999999999' } },
    } as unknown as FusionModel;
    expect(await staleFeatureModels(source, other)).toEqual(['bof']);
  });
});

describe('paplens eval-cls / analyze (toy classifier, CRIC-format input)', () => {
  const work = mkdtempSync(join(tmpdir(), 'paplens-cric-'));
  mkdirSync(join(work, 'fields'));
  writeFileSync(
    join(work, 'fields', 'f1.png'),
    encodePng({ width: 400, height: 300, data: new Uint8Array(field.data), channels: 4 }),
  );
  writeFileSync(
    join(work, 'cells.csv'),
    [
      'cell_id,bethesda_system,image_id,field,x,y',
      '1,Negative for intraepithelial lesion,1,f1.png,60,60',
      '2,HSIL,1,f1.png,200,80',
      '3,Negative for intraepithelial lesion,1,f1.png,320,220',
      '4,HSIL,1,f1.png,120,230',
    ].join('\n'),
  );

  it('eval-cls writes the issue-2 JSON shape and one prediction row per cell', async () => {
    const models = await toyModelsDir();
    const r = await runCli([
      'eval-cls',
      '--cells',
      join(work, 'cells.csv'),
      '--fields',
      join(work, 'fields'),
      '--models',
      models,
      '--json',
      join(work, 'out.json'),
      '--predictions',
      join(work, 'pred.csv'),
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(join(work, 'out.json'), 'utf8'));
    expect(Object.keys(j).sort()).toEqual(['binary', 'cells', 'multiclass']);
    expect(Object.keys(j.multiclass).sort()).toEqual([
      'accuracy',
      'classes',
      'confusion',
      'macro_f1',
      'per_class',
    ]);
    expect(Object.keys(j.binary).sort()).toEqual(['auc', 'sensitivity', 'specificity']);
    expect(Object.keys(j.multiclass.per_class.HSIL).sort()).toEqual([
      'f1',
      'precision',
      'recall',
      'specificity',
      'support',
    ]);
    expect(j.cells).toBe(4);
    expect(j.multiclass.classes).toEqual([...CLASS_NAMES]);
    expect(j.multiclass.accuracy).toBe(1);
    expect(j.binary.auc).toBe(1);
    const rows = readFileSync(join(work, 'pred.csv'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(5);
    expect(rows[0]).toContain('p_NILM');
    expect(rows[0]).toContain('p_SCC');
  });

  it('analyze writes one AnalysisResult per file', async () => {
    const models = await toyModelsDir();
    // No segmentation model in the folder: the cell image is classified from its centre.
    const cellPng = join(work, 'cell.png');
    const cell = drawField(96, 96, [{ x: 48, y: 48, r: 12, textured: true }], 42);
    writeFileSync(
      cellPng,
      encodePng({ width: 96, height: 96, data: new Uint8Array(cell.data), channels: 4 }),
    );
    const r = await runCli([
      'analyze',
      cellPng,
      '--models',
      models,
      '--json',
      join(work, 'an.json'),
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(join(work, 'an.json'), 'utf8'));
    expect(j.images).toHaveLength(1);
    expect(j.images[0].nuclei[0].label).toBe('HSIL');
    expect(j.images[0].warnings.join(' ')).toMatch(/segmentation/);
  });

  it('bad input → exit 1 with one line, or exit 2 for usage', async () => {
    const models = await toyModelsDir();
    const missing = await runCli([
      'eval-cls',
      '--cells',
      join(work, 'nope.csv'),
      '--fields',
      join(work, 'fields'),
      '--models',
      models,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.err.split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/cells CSV not found/);
    writeFileSync(
      join(work, 'bad.csv'),
      'cell_id,bethesda_system,field,x,y\n1,Martian,f1.png,1,1\n',
    );
    const bad = await runCli([
      'eval-cls',
      '--cells',
      join(work, 'bad.csv'),
      '--fields',
      join(work, 'fields'),
      '--models',
      models,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown Bethesda label "Martian"/);
    expect((await runCli(['eval-cls', '--fields', join(work, 'fields')])).code).toBe(2);
    expect(
      (
        await runCli([
          'eval-cls',
          '--cells',
          join(work, 'cells.csv'),
          '--fields',
          work,
          '--split',
          'nope',
        ])
      ).code,
    ).toBe(2);
    const empty = await runCli([
      'eval-cls',
      '--cells',
      join(work, 'cells.csv'),
      '--fields',
      join(work, 'fields'),
      '--models',
      mkdtempSync(join(tmpdir(), 'none-')),
    ]);
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/no trained classification model is present/);
    writeFileSync(join(work, 'junk.png'), 'not an image');
    const junk = await runCli(['analyze', join(work, 'junk.png'), '--models', models]);
    expect(junk.code).toBe(1);
    expect(junk.err.split('\n')).toHaveLength(1);
    expect((await runCli(['analyze', '--models', models])).code).toBe(2);
  });
});
