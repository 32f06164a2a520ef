// The field screening gate reads the segmented nuclei's morphometrics, so it belongs to one
// segmentation model: the shipped pair must match, and a gate fitted on another segmenter is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { parseScreenModel, SCREEN_PATH } from '../src/core/classify/other-gate';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';
import type { ModelSource } from '../src/models/source';

const models = join(REPO_ROOT, 'public', 'models');
const readJson = (p: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(models, p), 'utf8')) as Record<string, unknown>;

describe('screen model ↔ segmentation model', () => {
  it('the shipped gate names the shipped segmentation model', () => {
    const screen = parseScreenModel(readJson(SCREEN_PATH));
    const weights = readJson('seg/model.json').weights as { sha256: string };
    const segSha = weights.sha256;
    expect(screen.segVersion).toBe(segSha.slice(0, 12));
  });

  it('a gate fitted on another segmenter is not loaded, with a message; one without the field still is', async () => {
    await initNodeTf();
    const base = nodeModelSource(models);
    const withScreen = (screen: Record<string, unknown>): ModelSource => ({
      manifest: () => base.manifest(),
      readBytes: (p, onProgress) => base.readBytes(p, onProgress),
      has: (p) => base.has(p),
      readJson: async <T>(p: string): Promise<T> =>
        p === SCREEN_PATH ? (screen as T) : base.readJson<T>(p),
    });
    const shipped = readJson(SCREEN_PATH);
    const other = await loadPipelineModels(withScreen({ ...shipped, segVersion: '000000000000' }));
    try {
      expect(other.seg).toBeDefined();
      expect(other.screen).toBeUndefined();
      expect(other.missing.some((m) => /fitted on segmentation model 000000000000/.test(m))).toBe(
        true,
      );
    } finally {
      other.dispose();
    }
    const { segVersion: _dropped, ...legacy } = shipped;
    const old = await loadPipelineModels(withScreen(legacy));
    try {
      expect(old.screen).toBeDefined();
      expect(old.screen?.segVersion).toBeUndefined();
    } finally {
      old.dispose();
    }
  }, 120_000);
});
