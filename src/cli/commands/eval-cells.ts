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
import { pointInPolygon } from '../../core/util/geometry';
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
  /** `--mode`: cell (the user chose cell mode) or auto (no option; the app's default). */
  mode: 'cell' | 'auto';
  /** With --mode auto: how many images the app would analyse as cells and as fields. */
  taken_as?: { cell: number; field: number };
}

/**
 * The nucleus a reader of a field-mode result looks at for a single-cell image: the one under the
 * image centre, else the nearest whose centroid lies within a third of the shorter side.
 */
export function centralNucleus<
  N extends { contour: [number, number][]; centroid: { x: number; y: number } },
>(nuclei: readonly N[], width: number, height: number): N | undefined {
  const [cx, cy] = [width / 2, height / 2];
  const under = nuclei.find((n) => pointInPolygon(cx, cy, n.contour));
  if (under) return under;
  const near = nuclei
    .map((n) => ({ n, d: Math.hypot(n.centroid.x - cx, n.centroid.y - cy) }))
    .filter((e) => e.d <= Math.min(width, height) / 3)
    .sort((a, b) => a.d - b.d);
  return near[0]?.n;
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
 * Every image of a single-cell manifest through the same `analyze` path a user gets, scored on
 * its primary nucleus: 7 Herlev classes and normal vs abnormal. `--mode cell` (default): the user
 * chose cell mode. `--mode auto`: no option, as the app's default; an image taken for a field has
 * no 7-class answer (counted as an error) and its normal/abnormal call is the field classifier's
 * on the central nucleus.
 */
export async function run(argv: string[]): Promise<void> {
  const { values } = parseCliArgs(argv, {
    images: { type: 'string' },
    manifest: { type: 'string' },
    split: { type: 'string' },
    json: { type: 'string' },
    predictions: { type: 'string' },
    models: { type: 'string' },
    mode: { type: 'string', default: 'cell' },
  });
  const mode = values.mode;
  if (mode !== 'cell' && mode !== 'auto')
    throw new UsageError(`--mode must be cell or auto, got "${mode}"`);
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
    /** Each image's own normal/abnormal call (the classifier that analysed it, at its threshold). */
    const called: number[] = [];
    const takenAs = { cell: 0, field: 0 };
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
      const res = await analyze(img, models, { mode, name: r.id });
      takenAs[res.mode]++;
      const primary = res.nuclei.find((n) => n.primary && n.herlevProbabilities);
      const t = HERLEV_CLASSES.indexOf(r.herlevClass);
      yTrue.push(t);
      if (!primary?.herlevProbabilities) {
        // No nucleus (or a field-mode result) = no 7-class answer: counted as a miss. The 2-class
        // call: none (normal, P 0), or the field classifier's on the central nucleus.
        const central =
          res.mode === 'field' ? centralNucleus(res.nuclei, img.width, img.height) : undefined;
        if (res.mode === 'cell') noNucleus++;
        yPred.push(-1);
        pAbn.push(central?.abnormalProbability ?? 0);
        called.push(central?.abnormal ? 1 : 0);
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
      called.push(primary.abnormal ? 1 : 0);
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
    // Sensitivity and specificity from each image's own call (in cell mode the same as P(abnormal)
    // at the cell model's threshold); the AUC ranks P(abnormal) from whichever classifier ran.
    const calls = binaryReport(labels01, called, 0.5);
    const bin = binaryReport(labels01, pAbn, models.cell.fusion.abnormalThreshold);
    const result: EvalCellsJson = {
      herlev7: multiclassJson(rep, HERLEV_CLASSES),
      binary: { sensitivity: calls.sensitivity, specificity: calls.specificity, auc: bin.auc },
      cells: yTrue.length,
      no_nucleus: noNucleus,
      mode,
      ...(mode === 'auto' ? { taken_as: takenAs } : {}),
    };
    console.log(
      `eval-cells: ${yTrue.length} cells${part ? ` (Herlev ${part} split)` : ''}, mode ${mode}` +
        `${mode === 'auto' ? ` (taken for cells ${takenAs.cell}, for fields ${takenAs.field})` : ''}, ` +
        `backend ${backend}, model ${models.versions.cell ?? '?'}, no primary nucleus: ${noNucleus}`,
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
        sensitivity: calls.sensitivity,
        specificity: calls.specificity,
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
