import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseCliArgs } from '../args';
import { CliError, UsageError } from '../errors';
import { printTable, writeJson } from '../output';
import { initNodeTf } from '../tf-node';
import { analyze } from '../../core/analyze';
import { loadPipelineModels } from '../../core/pipeline/models';
import type { AnalysisResult } from '../../core/types';
import { readImage } from '../../data/read-image';
import { nodeModelSource } from '../../models/node-source';
import { requireClassifier } from './eval-cls';

/** JSON written by --json: one AnalysisResult (src/core/types.ts) per input file, in order. */
export interface AnalyzeJson {
  images: (AnalysisResult & { file: string })[];
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
  for (const f of positionals) {
    if (!existsSync(f) || !statSync(f).isFile()) throw new CliError(`image file not found: ${f}`);
  }
  const backend = await initNodeTf();
  const models = await loadPipelineModels(
    nodeModelSource(values.models ? resolve(values.models) : undefined),
  );
  try {
    if (!models.seg && !models.cls)
      throw new CliError(`no trained model is present: ${models.missing.join('; ')}`);
    // A shipped model that fails to load (missing shard, SHA-256 mismatch) is an error, not a
    // silently degraded analysis (issue 7); models that are simply not shipped stay warnings.
    const broken = models.missing.filter((m) => m.includes('could not be loaded'));
    if (broken.length) throw new CliError(broken.join('; ').replace(/\.+$/, ''));
    if (models.cls) requireClassifier(models);
    const out: AnalyzeJson = { images: [] };
    const rows: Record<string, string | number | null>[] = [];
    for (const file of positionals) {
      let img;
      try {
        img = await readImage(file);
      } catch (e) {
        throw new CliError(`${file}: ${(e as Error).message}`);
      }
      const r = await analyze(img, models, { mode, name: basename(file) });
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
  } finally {
    models.dispose();
  }
}
