import { existsSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCliArgs, requireOption } from '../args';
import { CliError, UsageError } from '../errors';
import { printTable, writeJson } from '../output';
import { initNodeTf } from '../tf-node';
import { cropCell } from '../../core/image/crop-cell';
import { binaryReport, classificationReport } from '../../core/metrics/classification';
import { classifyCrop } from '../../core/pipeline/classify-cell';
import { loadPipelineModels, type PipelineModels } from '../../core/pipeline/models';
import { CLASS_NAMES } from '../../core/types';
import { cricFieldPath, readCricCells, type CricCell } from '../../data/datasets';
import { readImage } from '../../data/read-image';
import { loadSplit, PARTS, unitsOf, type Part } from '../../data/splits';
import { nodeModelSource } from '../../models/node-source';

/** JSON written by --json (issue 2 item 6). */
export interface EvalClsJson {
  multiclass: {
    accuracy: number;
    macro_f1: number;
    per_class: Record<
      string,
      { precision: number; recall: number; specificity: number; f1: number; support: number }
    >;
    confusion: number[][];
    classes: string[];
  };
  binary: { sensitivity: number; specificity: number; auc: number };
  cells: number;
}

/** `--split test` or `--split cric:test` → the CRIC part. */
export function parseSplitArg(s: string): Part {
  const part = s.startsWith('cric:') ? s.slice(5) : s;
  if (!(PARTS as readonly string[]).includes(part))
    throw new UsageError(
      `--split must be one of ${PARTS.join(', ')} (the committed CRIC field split), got "${s}"`,
    );
  return part as Part;
}

/** Fail early, in one sentence, when the classifier or a model it needs is not shipped. */
export function requireClassifier(models: PipelineModels): void {
  const cls = models.cls;
  if (!cls) {
    const other = models.missing.filter((m) => !m.includes('public/models/cls'));
    throw new CliError(
      `no trained classification model is present (public/models/cls)${other.length ? `; also: ${other.join('; ')}` : ''}`,
    );
  }
  const have = new Set<string>([
    'lbp',
    ...(models.extractors.deepGroups ?? []),
    ...(models.extractors.bof ? ['bof'] : []),
  ]);
  const lacking = cls.groups.map((g) => g.name).filter((g) => !have.has(g));
  if (lacking.length)
    throw new CliError(
      `the classifier needs feature models that are not present: ${lacking.join(', ')} (${models.missing.join('; ')})`,
    );
  if (cls.pipeline.view !== 'plain' && !models.seg)
    throw new CliError(
      'the classifier needs the segmentation model, which is not present (public/models/seg)',
    );
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseCliArgs(argv, {
    cells: { type: 'string' },
    fields: { type: 'string' },
    split: { type: 'string' },
    json: { type: 'string' },
    predictions: { type: 'string' },
    models: { type: 'string' },
  });
  const inputs = readCricInputs(values);
  const { fieldsDir, part } = inputs;
  let cells = inputs.cells;
  if (part) {
    let fields: Set<string>;
    try {
      fields = unitsOf(loadSplit('cric'), part);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    cells = cells.filter((c) => fields.has(c.field));
  }
  if (cells.length === 0)
    throw new CliError(`no labelled cells to evaluate${part ? ` in split part "${part}"` : ''}`);

  const backend = await initNodeTf();
  const source = nodeModelSource(values.models ? resolve(values.models) : undefined);
  const models = await loadPipelineModels(source);
  try {
    requireClassifier(models);
    const byField = new Map<string, CricCell[]>();
    for (const c of cells) byField.set(c.field, [...(byField.get(c.field) ?? []), c]);
    const yTrue: number[] = [];
    const yPred: number[] = [];
    const pAbn: number[] = [];
    const rows: string[] = [
      [
        'cell_id',
        'field',
        'x',
        'y',
        'true',
        'pred',
        ...CLASS_NAMES.map((c) => `p_${c}`),
        'p_abnormal',
        'abnormal',
      ].join(','),
    ];
    const missingFields: string[] = [];
    let done = 0;
    const t0 = performance.now();
    for (const [field, list] of [...byField.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const path = cricFieldPath(field, fieldsDir);
      if (!existsSync(path)) {
        missingFields.push(field);
        continue;
      }
      let img;
      try {
        img = await readImage(path);
      } catch (e) {
        throw new CliError(`cannot read field image ${path}: ${(e as Error).message}`);
      }
      for (const c of list) {
        const p = await classifyCrop(cropCell(img, c.x, c.y), models);
        const t = CLASS_NAMES.indexOf(c.label);
        const pred = p.probabilities.indexOf(Math.max(...p.probabilities));
        yTrue.push(t);
        yPred.push(pred);
        pAbn.push(p.abnormalProbability);
        rows.push(
          [
            csvCell(c.cellId),
            csvCell(field),
            c.x,
            c.y,
            c.label,
            CLASS_NAMES[pred],
            ...p.probabilities.map((v) => v.toFixed(6)),
            p.abnormalProbability.toFixed(6),
            p.abnormal ? 1 : 0,
          ].join(','),
        );
        done++;
        if (done % 200 === 0)
          process.stderr.write(
            `  ${done}/${cells.length} cells (${((performance.now() - t0) / done).toFixed(0)} ms/cell)\n`,
          );
      }
    }
    if (missingFields.length)
      console.error(
        `warning: ${missingFields.length} field image(s) not found in ${fieldsDir}; their cells were skipped`,
      );
    if (yTrue.length === 0)
      throw new CliError(`none of the cells' field images were found in ${fieldsDir}`);

    const rep = classificationReport(yTrue, yPred, CLASS_NAMES);
    const labels01 = yTrue.map((c) => (c === 0 ? 0 : 1));
    const bin = binaryReport(labels01, pAbn, models.cls!.abnormalThreshold);
    const result: EvalClsJson = {
      multiclass: multiclassJson(rep, CLASS_NAMES),
      binary: { sensitivity: bin.sensitivity, specificity: bin.specificity, auc: bin.auc },
      cells: yTrue.length,
    };
    console.log(
      `eval-cls: ${yTrue.length} cells${part ? ` (CRIC ${part} split)` : ''}, backend ${backend}, model ${models.versions.cls ?? '?'}`,
    );
    printTable(
      CLASS_NAMES.map((c) => ({ class: c, ...result.multiclass.per_class[c] })),
      ['class', 'precision', 'recall', 'specificity', 'f1', 'support'],
    );
    console.log('');
    printTable([
      {
        accuracy: rep.accuracy,
        macro_f1: rep.macro_f1,
        sensitivity: bin.sensitivity,
        specificity: bin.specificity,
        auc: bin.auc,
        threshold: bin.threshold,
      },
    ]);
    console.log('');
    console.log('confusion (rows = true, columns = predicted):');
    printTable(
      rep.confusion.map((r, i) => ({
        true: CLASS_NAMES[i],
        ...Object.fromEntries(CLASS_NAMES.map((c, j) => [c, r[j]])),
      })),
    );
    if (values.json) writeJson(values.json, result);
    if (values.predictions) writeFileSync(resolve(values.predictions), rows.join('\n') + '\n');
  } finally {
    models.dispose();
  }
}

/**
 * The CRIC inputs of eval-cls and eval-fields (--cells CSV, --fields DIR, --split PART), checked
 * with one clear message each.
 */
export function readCricInputs(values: { cells?: string; fields?: string; split?: string }): {
  cellsPath: string;
  fieldsDir: string;
  part: Part | null;
  cells: CricCell[];
} {
  const cellsPath = resolve(requireOption(values, 'cells'));
  const fieldsDir = resolve(requireOption(values, 'fields'));
  const part = values.split ? parseSplitArg(values.split) : null;
  if (!existsSync(cellsPath) || !statSync(cellsPath).isFile())
    throw new CliError(`cells CSV not found: ${cellsPath}`);
  if (!existsSync(fieldsDir) || !statSync(fieldsDir).isDirectory())
    throw new CliError(`fields folder not found: ${fieldsDir}`);
  let cells: CricCell[];
  try {
    cells = readCricCells(cellsPath);
  } catch (e) {
    throw new CliError(`cannot read the cells CSV: ${(e as Error).message}`);
  }
  if (cells.some((c) => !Number.isFinite(c.x) || !Number.isFinite(c.y)))
    throw new CliError(`the cells CSV has rows whose x or y is not a number: ${cellsPath}`);
  return { cellsPath, fieldsDir, part, cells };
}

/** The multi-class part of the eval JSON (eval-cls, eval-cells): one shape for both. */
export function multiclassJson(
  rep: ReturnType<typeof classificationReport>,
  classes: readonly string[],
): EvalClsJson['multiclass'] {
  return {
    accuracy: rep.accuracy,
    macro_f1: rep.macro_f1,
    per_class: Object.fromEntries(
      classes.map((c) => {
        const s = rep.per_class[c];
        return [
          c,
          {
            precision: s.precision,
            recall: s.recall,
            specificity: s.specificity,
            f1: s.f1,
            support: s.support,
          },
        ];
      }),
    ),
    confusion: rep.confusion,
    classes: [...classes],
  };
}
