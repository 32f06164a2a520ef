import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCliArgs } from '../args';
import { CliError, UsageError } from '../errors';
import { printTable, writeJson } from '../output';
import { initNodeTf, threadsForOneAnalysis } from '../tf-node';
import { analyze } from '../../core/analyze';
import {
  fieldsReport,
  RANKING_KS,
  type FieldInput,
  type FieldNucleusInput,
  type FieldsReport,
} from '../../core/metrics/fields';
import { loadPipelineModels, type PipelineModels } from '../../core/pipeline/models';
import type { AnalysisResult, Nucleus } from '../../core/types';
import { cricFieldPath, type CricCell } from '../../data/datasets';
import { readImage } from '../../data/read-image';
import { loadSplit, unitsOf } from '../../data/splits';
import { nodeModelSource } from '../../models/node-source';
import { readCricInputs, requireClassifier } from './eval-cls';

/** JSON written by --json (issue 11): the report of src/core/metrics/fields.ts plus provenance. */
export type EvalFieldsJson = FieldsReport & {
  split: string | null;
  models: Record<string, string>;
  source: 'analyze' | 'results';
};

/**
 * The screening call of one analysed nucleus. Results from before the `abnormal` flag existed
 * (saved baseline analyses) fall back to the argmax label, which is what the app showed then.
 */
export function nucleusToInput(n: Nucleus): FieldNucleusInput {
  const legacy = n as Partial<Pick<Nucleus, 'abnormal'>> & Nucleus;
  const abnormal =
    typeof legacy.abnormal === 'boolean'
      ? legacy.abnormal
      : n.label !== null && n.label !== 'NILM' && n.label !== 'Other';
  return {
    contour: n.contour,
    abnormal,
    abnormalProbability: n.abnormalProbability,
    setAside: n.label === 'Other',
  };
}

function fieldMinCalls(models: PipelineModels | null, override?: string): number {
  if (override !== undefined) {
    const k = Number(override);
    if (!Number.isInteger(k) || k < 1)
      throw new UsageError(`--field-min-calls must be a positive integer, got "${override}"`);
    return k;
  }
  const v = models?.screen?.fieldMinCalls;
  return typeof v === 'number' && v >= 1 ? v : 1;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseCliArgs(argv, {
    cells: { type: 'string' },
    fields: { type: 'string' },
    split: { type: 'string' },
    json: { type: 'string' },
    models: { type: 'string' },
    results: { type: 'string' },
    limit: { type: 'string' },
    'field-min-calls': { type: 'string' },
  });
  const { fieldsDir, part, cells } = readCricInputs(values);
  // The fields to judge: the split part's fields, else every field that has a labelled cell.
  let fieldNames: string[];
  if (part) {
    try {
      fieldNames = [...unitsOf(loadSplit('cric'), part)].sort();
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  } else fieldNames = [...new Set(cells.map((c) => c.field))].sort();
  if (values.limit !== undefined) {
    const k = Number(values.limit);
    if (!Number.isInteger(k) || k < 1)
      throw new UsageError(`--limit must be a positive integer, got "${values.limit}"`);
    fieldNames = fieldNames.slice(0, k);
  }
  const missing = fieldNames.filter((f) => !existsSync(cricFieldPath(f, fieldsDir)));
  if (missing.length)
    console.error(
      `warning: ${missing.length} field image(s) not found in ${fieldsDir}; they were skipped`,
    );
  fieldNames = fieldNames.filter((f) => !missing.includes(f));
  if (fieldNames.length === 0)
    throw new CliError(`no field images to evaluate${part ? ` in split part "${part}"` : ''}`);
  const byField = new Map<string, CricCell[]>();
  for (const c of cells) byField.set(c.field, [...(byField.get(c.field) ?? []), c]);

  const resultsDir = values.results ? resolve(values.results) : null;
  let models: PipelineModels | null = null;
  let backend = 'saved results';
  if (!resultsDir) {
    // One field at a time, no worker copies of the network: its passes get the cores as threads.
    backend = await initNodeTf({ wasmThreads: threadsForOneAnalysis() });
    models = await loadPipelineModels(
      nodeModelSource(values.models ? resolve(values.models) : undefined),
    );
  }
  try {
    if (models) requireClassifier(models);
    if (models && !models.seg)
      throw new CliError(`no segmentation model is present: ${models.missing.join('; ')}`);
    const inputs: FieldInput[] = [];
    let versions: Record<string, string> = models?.versions ?? {};
    for (const [i, field] of fieldNames.entries()) {
      let r: AnalysisResult;
      if (resultsDir) {
        const p = join(resultsDir, field.replace(/\.[^.]+$/, '') + '.json');
        if (!existsSync(p)) throw new CliError(`no saved analysis for ${field} in ${resultsDir}`);
        r = JSON.parse(readFileSync(p, 'utf8')) as AnalysisResult;
        versions = r.modelVersions;
      } else {
        let img;
        try {
          img = await readImage(cricFieldPath(field, fieldsDir));
        } catch (e) {
          throw new CliError(`cannot read field image ${field}: ${(e as Error).message}`);
        }
        r = await analyze(img, models!, { mode: 'field', name: field });
        process.stderr.write(
          `  ${i + 1}/${fieldNames.length} ${field}: ${r.nuclei.length} nuclei\n`,
        );
      }
      inputs.push({
        name: field,
        nuclei: r.nuclei.map(nucleusToInput),
        points: (byField.get(field) ?? []).map((c) => ({
          x: c.x,
          y: c.y,
          abnormal: c.label !== 'NILM',
        })),
        ms: r.timings.find((t) => t.stage === 'total')?.ms,
      });
    }
    const rep = fieldsReport(inputs, fieldMinCalls(models, values['field-min-calls']));
    const out: EvalFieldsJson = {
      ...rep,
      split: part,
      models: versions,
      source: resultsDir ? 'results' : 'analyze',
    };
    console.log(
      `eval-fields: ${rep.fields} fields${part ? ` (CRIC ${part} split)` : ''}, ${rep.nuclei} nuclei, ${rep.labelled_cells} labelled cells, backend ${backend}, model ${versions.cls ?? '?'}`,
    );
    const c = rep.counts;
    printTable(
      [
        { metric: 'point_recall', value: rep.point_recall, detail: '' },
        {
          metric: 'abnormal_sensitivity',
          value: rep.abnormal_sensitivity,
          detail: `${c.abnormal_cells_called} of ${c.abnormal_cells} labelled abnormal (${c.abnormal_cells_found} found)`,
        },
        { metric: 'abnormal_calls', value: rep.abnormal_calls, detail: '' },
        {
          metric: 'abnormal_call_precision',
          value: rep.abnormal_call_precision,
          detail: `${c.calls_on_labelled_abnormal} calls on labelled abnormal nuclei`,
        },
        {
          metric: 'calls_per_field_without_abnormal_label',
          value: rep.calls_per_field_without_abnormal_label,
          detail: `${c.calls_without_abnormal_label} calls`,
        },
        {
          metric: 'nilm_cells_called_abnormal',
          value: rep.nilm_cells_called_abnormal,
          detail: `${c.nilm_cells_called} of ${c.nilm_cells_found} found NILM`,
        },
        ...RANKING_KS.map((k) => ({
          metric: `ranking_precision_at_${k}`,
          value: rep.ranking_precision_at[String(k) as '10'],
          detail: '',
        })),
        { metric: 'set_aside_as_other', value: c.set_aside, detail: '' },
        {
          metric: 'fields_flagged',
          value: null,
          detail: `abnormal ${rep.field_level.abnormal_fields_flagged}/${rep.field_level.abnormal_fields}, normal ${rep.field_level.normal_fields_flagged}/${rep.field_level.normal_fields} (≥ ${rep.field_level.min_calls} call(s))`,
        },
        { metric: 'median_field_ms', value: rep.median_field_ms, detail: '' },
      ],
      ['metric', 'value', 'detail'],
    );
    console.log(
      '\nDefinitions: docs/SCREENING.md. CRIC marks only some cells: precision is a lower bound.',
    );
    if (values.json) writeJson(values.json, out);
  } finally {
    models?.dispose();
  }
}
