import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDir, hasData, NO_DATA_MESSAGE, REPO_ROOT } from '../src/data/paths';
import { runCli } from './support/run-cli';

const cells = join(dataDir(), 'cric', 'cells.csv');
const fields = join(dataDir(), 'cric', 'fields');
const shipped = existsSync(join(REPO_ROOT, 'public', 'models', 'cls', 'model.json'));
if (!hasData()) console.warn(NO_DATA_MESSAGE);

describe('paplens eval-fields: usage', () => {
  it('missing --cells → exit 2 naming the option', async () => {
    const r = await runCli(['eval-fields', '--fields', '.']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--cells/);
  });
  it('a missing cells file → exit 1, one line', async () => {
    const r = await runCli(['eval-fields', '--cells', 'no-such.csv', '--fields', '.']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cells CSV not found/);
  });
});

describe.skipIf(!hasData() || !shipped)(
  'paplens eval-fields on one CRIC val field (shipped models)',
  () => {
    const work = mkdtempSync(join(tmpdir(), 'paplens-eval-fields-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('analyses the field as the app does and writes every documented figure', async () => {
      const json = join(work, 'r.json');
      const r = await runCli([
        'eval-fields',
        '--cells',
        cells,
        '--fields',
        fields,
        '--split',
        'val',
        '--limit',
        '1',
        '--json',
        json,
      ]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/abnormal_sensitivity/);
      const j = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
      for (const k of [
        'fields',
        'nuclei',
        'labelled_cells',
        'point_recall',
        'abnormal_sensitivity',
        'abnormal_calls',
        'abnormal_call_precision',
        'calls_per_field_without_abnormal_label',
        'nilm_cells_called_abnormal',
        'ranking_precision_at',
        'median_field_ms',
      ])
        expect(j, k).toHaveProperty(k);
      expect(j.fields).toBe(1);
      expect(j.nuclei as number).toBeGreaterThan(0);
      expect(j.labelled_cells as number).toBeGreaterThan(0);
      // Most labelled nuclei of a field are outlined (val point recall of the shipped SE-UNet).
      expect(j.point_recall as number).toBeGreaterThan(0.5);
      expect(Object.keys(j.ranking_precision_at as object).sort()).toEqual([
        '10',
        '100',
        '20',
        '50',
      ]);
    }, 180_000);
  },
);
