import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze, loadModels, type PipelineModels } from '../src/core/analyze';
import type { RgbaImage } from '../src/core/image/types';
import { mulberry32 } from '../src/core/util/random';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';

/**
 * Issue 7, leaks (Node): 100 consecutive analyses with the shipped pipeline (segmentation, three
 * CNN features, LBP, SURF-BoF, PCA, MLP) on one synthetic 128×128 cell. The tfjs tensor count
 * must be exactly flat after warm-up and the JS heap bounded. The browser counterpart is
 * e2e/analysis.spec.ts "analysing again does not leak tfjs tensors" (Diagnostics tensor count).
 * Not a timing test: speed is measured by `paplens bench` (docs/PERFORMANCE.md).
 */
const manifestPath = join(REPO_ROOT, 'public', 'models', 'manifest.json');
const shipped =
  existsSync(manifestPath) &&
  ((JSON.parse(readFileSync(manifestPath, 'utf8')) as { files?: unknown[] }).files?.length ?? 0) >
    0;
if (!shipped)
  console.warn(
    'skipped: public/models/manifest.json lists no shipped models, so there is no pipeline to check for leaks',
  );

/** A Herlev-like 128×128 cell: noisy light background, pale cytoplasm, a dark central nucleus. */
function syntheticCell(): RgbaImage {
  const rnd = mulberry32(3);
  const data = new Uint8ClampedArray(128 * 128 * 4);
  for (let y = 0; y < 128; y++)
    for (let x = 0; x < 128; x++) {
      const d2 = (x - 64) ** 2 + (y - 62) ** 2;
      const v = (d2 < 26 * 26 ? 80 : d2 < 55 * 55 ? 195 : 230) + (rnd() - 0.5) * 16;
      data.set([v - 10, v - 20, v, 255], 4 * (y * 128 + x));
    }
  return { width: 128, height: 128, data };
}

/** A real full GC when V8 allows exposing it at runtime; else heap figures are taken as they are. */
function getGc(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose_gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

describe.skipIf(!shipped)('leaks: 100 consecutive analyses (shipped models, Node)', () => {
  let models: PipelineModels;
  beforeAll(async () => {
    await initNodeTf();
    models = await loadModels(nodeModelSource());
  });
  afterAll(() => models?.dispose());

  it('keep tf.memory().numTensors exactly flat and the heap bounded', async () => {
    // Every stage must really run, else a flat count would prove nothing.
    expect(models.missing).toEqual([]);
    const image = syntheticCell();
    const gc = getGc();
    const heap = (): number => {
      gc?.();
      return process.memoryUsage().heapUsed;
    };
    const tensors: number[] = [];
    let heapAt10 = 0;
    let heapAt100 = 0;
    let nuclei = 0;
    for (let i = 1; i <= 100; i++) {
      const r = await analyze(image, models, { mode: 'cell' });
      nuclei += r.nuclei.length;
      if (r.nuclei[0]) expect(r.nuclei[0].probabilities).toHaveLength(6);
      tensors.push(tf.memory().numTensors);
      if (i === 10) heapAt10 = heap();
      if (i === 100) heapAt100 = heap();
    }
    // The synthetic nucleus is found and classified every time (the whole pipeline ran).
    expect(nuclei).toBe(100);
    // After the first (warm-up) analysis, not one tensor more or less.
    expect(new Set(tensors.slice(1)).size).toBe(1);
    expect(tensors[99]).toBe(tensors[1]);
    const growthMb = (heapAt100 - heapAt10) / 2 ** 20;
    console.log(
      `leak check: ${tensors[99]} tensors after runs 2..100; heapUsed run 10 → 100: ${growthMb.toFixed(1)} MB (${gc ? 'after full GC' : 'no GC exposed'})`,
    );
    // With a forced GC a real leak shows as steady growth; without one allow for GC timing.
    expect(growthMb).toBeLessThan(gc ? 20 : 50);
  }, 600_000);
});
