import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze } from '../src/core/analyze';
import { loadPipelineModels, type PipelineModels } from '../src/core/pipeline/models';
import { syntheticSegImage } from '../src/core/segment/bench';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';

const shipped = existsSync(join(REPO_ROOT, 'public', 'models', 'cls', 'model.json'));

describe.skipIf(!shipped)('field crops through the CNNs in batches (issue 13)', () => {
  let models: PipelineModels;
  afterAll(() => models?.dispose());

  it('gives the same probabilities as one crop per call', async () => {
    await initNodeTf();
    models = await loadPipelineModels(nodeModelSource());
    const field = syntheticSegImage(480, 360, 14, 12, 4);
    const batched = await analyze(field, models, { mode: 'field' });
    const single = await analyze(field, models, { mode: 'field', batchDeepFeatures: false });
    expect(batched.nuclei.length).toBeGreaterThan(5);
    expect(batched.nuclei.length).toBe(single.nuclei.length);
    for (const [i, n] of batched.nuclei.entries()) {
      expect(n.label).toBe(single.nuclei[i].label);
      n.probabilities!.forEach((p, k) =>
        expect(Math.abs(p - single.nuclei[i].probabilities![k])).toBeLessThan(1e-4),
      );
    }
    expect(batched.timings.find((t) => t.stage === 'deep_features')!.ms).toBeGreaterThan(0);
  }, 120_000);
});
