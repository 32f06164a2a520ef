import { existsSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCliArgs, requireOption } from '../args';
import { CliError, UsageError } from '../errors';
import { printTable, writeJson } from '../output';
import { initNodeTf } from '../tf-node';
import { analyze } from '../../core/analyze';
import { HERLEV_CLASSES, isAbnormalHerlev } from '../../core/herlev';
import { binaryReport, classificationReport } from '../../core/metrics/classification';
import { loadPipelineModels } from '../../core/pipeline/models';
import { readCellManifest, type CellRow } from '../../data/cell-manifest';
import { readImage } from '../../data/read-image';
import { loadSplit, PARTS, type Part } from '../../data/splits';
import { nodeModelSource } from '../../models/node-source';
import { multiclassJson } from './eval-cls';

/** JSON written by --json (issue 10). */
export interface EvalCellsJson {
  herlev7: {
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
  /** Images whose analysis gave no classified primary nucleus (counted as errors above). */
  no_nucleus: number;
}

/** `--split test` or `--split herlev:test` → the part of the committed Herlev group split. */
export function parseCellSplitArg(s: string): Part {
  const part = s.startsWith('herlev:') ? s.slice(7) : s;
  if (!(PARTS as readonly string[]).includes(part))
    throw new UsageError(
      `--split must be one of ${PARTS.join(', ')} or herlev:PART (the committed Herlev group split), got "${s}"`,
    );
  return part as Part;
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Every image of a single-cell manifest through the same `analyze` path a user gets (mode cell),
 * scored on its primary nucleus: 7 Herlev classes and normal vs abnormal.
 */
export async function run(argv: string[]): Promise<void> {
  const { values } = parseCliArgs(argv, {
    images: { type: 'string' },
    manifest: { type: 'string' },
    split: { type: 'string' },
    json: { type: 'string' },
    predictions: { type: 'string' },
    models: { type: 'string' },
  });
  const imagesDir = resolve(requireOption(values, 'images'));
  const manifest = resolve(requireOption(values, 'manifest'));
  const part = values.split ? parseCellSplitArg(values.split) : null;
  if (!existsSync(imagesDir) || !statSync(imagesDir).isDirectory())
    throw new CliError(`images folder not found: ${imagesDir}`);
  let rows: CellRow[];
  try {
    rows = readCellManifest(manifest, imagesDir);
  } catch (e) {
    throw new CliError(`cannot read the manifest: ${(e as Error).message}`);
  }
  if (part) {
    let groups: Set<string>;
    try {
      groups = new Set(loadSplit('herlev').parts[part]);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    rows = rows.filter((r) => groups.has(r.group));
  }
  if (rows.length === 0)
    throw new CliError(`no cells to evaluate${part ? ` in split part "${part}"` : ''}`);

  const backend = await initNodeTf();
  const models = await loadPipelineModels(
    nodeModelSource(values.models ? resolve(values.models) : undefined),
  );
  try {
    if (!models.cell)
      throw new CliError(
        `the single-cell classifier is not loaded (${models.missing.filter((m) => /single-cell|cell/.test(m)).join('; ') || 'public/models/cell'})`,
      );
    const yTrue: number[] = [];
    const yPred: number[] = [];
    const pAbn: number[] = [];
    let noNucleus = 0;
    const missing: string[] = [];
    const out: string[] = [
      [
        'id',
        'group',
        'true',
        'pred',
        ...HERLEV_CLASSES.map((c) => `p_${c}`),
        'p_abnormal',
        'abnormal',
      ].join(','),
    ];
    const t0 = performance.now();
    for (const r of rows) {
      if (!existsSync(r.imagePath)) {
        missing.push(r.id);
        continue;
      }
      let img;
      try {
        img = await readImage(r.imagePath);
      } catch (e) {
        throw new CliError(`cannot read image ${r.imagePath}: ${(e as Error).message}`);
      }
      const res = await analyze(img, models, { mode: 'cell', name: r.id });
      const primary = res.nuclei.find((n) => n.primary && n.herlevProbabilities);
      const t = HERLEV_CLASSES.indexOf(r.herlevClass);
      yTrue.push(t);
      if (!primary?.herlevProbabilities) {
        // No nucleus = no answer: counted as a miss (predicted normal, P(abnormal) 0).
        noNucleus++;
        yPred.push(-1);
        pAbn.push(0);
        out.push(
          [
            csvCell(r.id),
            csvCell(r.group),
            r.herlevClass,
            '',
            ...HERLEV_CLASSES.map(() => ''),
            '',
            '',
          ].join(','),
        );
        continue;
      }
      const p = primary.herlevProbabilities;
      const pred = p.indexOf(Math.max(...p));
      yPred.push(pred);
      pAbn.push(primary.abnormalProbability ?? 0);
      out.push(
        [
          csvCell(r.id),
          csvCell(r.group),
          r.herlevClass,
          HERLEV_CLASSES[pred],
          ...p.map((v) => v.toFixed(6)),
          (primary.abnormalProbability ?? 0).toFixed(6),
          primary.abnormal ? 1 : 0,
        ].join(','),
      );
      if (yTrue.length % 50 === 0)
        process.stderr.write(
          `  ${yTrue.length}/${rows.length} cells (${((performance.now() - t0) / yTrue.length).toFixed(0)} ms/cell)\n`,
        );
    }
    if (missing.length)
      console.error(
        `warning: ${missing.length} image(s) listed in the manifest were not found in ${imagesDir}; skipped`,
      );
    if (yTrue.length === 0)
      throw new CliError(`none of the manifest's images were found in ${imagesDir}`);
    // A missing answer counts against the true class (never as correct).
    const predForReport = yPred.map((p, i) =>
      p >= 0 ? p : (yTrue[i] + 1) % HERLEV_CLASSES.length,
    );
    const rep = classificationReport(yTrue, predForReport, HERLEV_CLASSES);
    const labels01 = yTrue.map((c) => (isAbnormalHerlev(HERLEV_CLASSES[c]) ? 1 : 0));
    const bin = binaryReport(labels01, pAbn, models.cell.fusion.abnormalThreshold);
    const result: EvalCellsJson = {
      herlev7: multiclassJson(rep, HERLEV_CLASSES),
      binary: { sensitivity: bin.sensitivity, specificity: bin.specificity, auc: bin.auc },
      cells: yTrue.length,
      no_nucleus: noNucleus,
    };
    console.log(
      `eval-cells: ${yTrue.length} cells${part ? ` (Herlev ${part} split)` : ''}, backend ${backend}, model ${models.versions.cell ?? '?'}, no primary nucleus: ${noNucleus}`,
    );
    printTable(
      HERLEV_CLASSES.map((c) => ({ class: c, ...result.herlev7.per_class[c] })),
      ['class', 'precision', 'recall', 'specificity', 'f1', 'support'],
    );
    console.log('');
    printTable([
      {
        accuracy7: rep.accuracy,
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
        true: HERLEV_CLASSES[i],
        ...Object.fromEntries(HERLEV_CLASSES.map((c, j) => [c.slice(0, 12), r[j]])),
      })),
    );
    if (values.json) writeJson(values.json, result);
    if (values.predictions) writeFileSync(resolve(values.predictions), out.join('\n') + '\n');
  } finally {
    models.dispose();
  }
}
