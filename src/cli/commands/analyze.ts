import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseCliArgs } from '../args';
import { CliError, UsageError } from '../errors';
import { printTable, writeJson } from '../output';
import { initNodeTf } from '../tf-node';
import { analyze } from '../../core/analyze';
import { loadPipelineModels } from '../../core/pipeline/models';
import type { AnalysisResult } from '../../core/types';
import { DecodeWatchdog } from '../../workers/decode/watchdog';
import { nodeDecodeWorker } from '../../workers/decode/node-decode-worker';
import { nodeModelSource } from '../../models/node-source';
import { requireClassifier } from './eval-cls';

/**
 * JSON written by --json: one AnalysisResult (src/core/types.ts) per file analysed, in order, and
 * one entry per file that could not be read or analysed (the batch goes on past it).
 */
export interface AnalyzeJson {
  images: (AnalysisResult & { file: string })[];
  errors: { file: string; error: string }[];
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseCliArgs(
    argv,
    {
      mode: { type: 'string', default: 'auto' },
      json: { type: 'string' },
      models: { type: 'string' },
    },
    true,
  );
  if (positionals.length === 0) throw new UsageError('give at least one image file to analyse');
  const mode = values.mode;
  if (mode !== 'auto' && mode !== 'cell' && mode !== 'field')
    throw new UsageError(`--mode must be auto, cell or field, got "${mode}"`);
  const backend = await initNodeTf();
  const models = await loadPipelineModels(
    nodeModelSource(values.models ? resolve(values.models) : undefined),
  );
  // Decoding runs in a worker thread under a time budget: a damaged file cannot hang the batch.
  const decoder = new DecodeWatchdog(() => nodeDecodeWorker());
  try {
    if (!models.seg && !models.cls)
      throw new CliError(`no trained model is present: ${models.missing.join('; ')}`);
    // A shipped model that fails to load (missing shard, SHA-256 mismatch) is an error, not a
    // silently degraded analysis (issue 7); models that are simply not shipped stay warnings.
    const broken = models.missing.filter((m) => m.includes('could not be loaded'));
    if (broken.length) throw new CliError(broken.join('; ').replace(/\.+$/, ''));
    if (models.cls) requireClassifier(models);
    const out: AnalyzeJson = { images: [], errors: [] };
    const rows: Record<string, string | number | null>[] = [];
    const fail = (file: string, error: string): void => {
      out.errors.push({ file, error });
      // One line per failed file as it happens (one file alone: the final error line says it).
      if (positionals.length > 1) console.error(`${file}: ${error}`);
    };
    for (const file of positionals) {
      // Every file gets its chance: a missing, damaged or hanging file is reported and skipped.
      if (!existsSync(file) || !statSync(file).isFile()) {
        fail(file, 'file not found');
        continue;
      }
      let img;
      try {
        img = await decoder.decode(new Uint8Array(readFileSync(file)));
      } catch (e) {
        fail(file, (e as Error).message);
        continue;
      }
      let r: AnalysisResult;
      try {
        r = await analyze(img, models, { mode, name: basename(file) });
      } catch (e) {
        fail(file, `the analysis failed: ${(e as Error).message}`);
        continue;
      }
      out.images.push({ file, ...r });
      console.log(
        `${file}: ${r.image.width}×${r.image.height}, ${r.mode} mode, ${r.nuclei.length} nucle${r.nuclei.length === 1 ? 'us' : 'i'}, backend ${backend}, ${r.timings.find((t) => t.stage === 'total')?.ms.toFixed(0)} ms`,
      );
      for (const w of r.warnings) console.log(`  note: ${w}`);
      for (const n of r.nuclei) {
        rows.push({
          image: basename(file),
          id: n.id,
          x: Math.round(n.centroid.x),
          y: Math.round(n.centroid.y),
          area_px: Number.isFinite(n.morphometrics.areaPx)
            ? Math.round(n.morphometrics.areaPx)
            : null,
          label: n.label,
          confidence: n.confidence,
          p_abnormal: n.abnormalProbability,
          low_conf: n.probabilities ? (n.lowConfidence ? 'yes' : 'no') : null,
        });
      }
    }
    console.log('');
    printTable(rows, [
      'image',
      'id',
      'x',
      'y',
      'area_px',
      'label',
      'confidence',
      'p_abnormal',
      'low_conf',
    ]);
    console.log('\nResearch decision support only: probabilities, not a diagnosis.');
    if (values.json) writeJson(values.json, out);
    if (out.errors.length === 1 && positionals.length === 1)
      throw new CliError(`${out.errors[0].file}: ${out.errors[0].error}`);
    if (out.errors.length > 0)
      throw new CliError(
        `${out.errors.length} of ${positionals.length} files could not be analysed (listed above); the others were`,
      );
  } finally {
    decoder.dispose();
    models.dispose();
  }
}
