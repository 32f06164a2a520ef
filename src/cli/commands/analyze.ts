import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseCliArgs } from '../args';
import { CliError, UsageError } from '../errors';
import { printTable, writeJson } from '../output';
import { initNodeTf, threadsForOneAnalysis, wasmThreadCount } from '../tf-node';
import { loadPipelineModels } from '../../core/pipeline/models';
import {
  descriptorWorkerCount,
  segTileWorkerCount,
  shareSegTilesInNode,
} from '../seg-tile-workers';
import type { SegTileWorkers } from '../../workers/seg-tiles';
import type { AnalysisResult } from '../../core/types';
import { DecodeWatchdog } from '../../workers/decode/watchdog';
import { nodeDecodeWorker } from '../../workers/decode/node-decode-worker';
import { nodeModelSource } from '../../models/node-source';
import { requireClassifier } from './eval-cls';
import type { PipelineModels } from '../../core/pipeline/models';
import { analyzeSlide } from '../../core/slide/analyze-slide';
import { openTiffSlide } from '../../core/slide/tiff-slide';
import { probeSlide, type SlideProbe } from '../../core/slide/probe-slide';
import { rasterSlide } from '../../core/slide/raster-slide';
import { startDescriptors, type AppDescriptors } from '../../app/worker/descriptors';
import { nodeDescriptorWorker } from '../../workers/node-worker';
import { AUTO_CELL_MAX_SIDE, WORKING_PIXEL_UM } from '../../core/pipeline/scale-choice';
import { headerSize } from '../../core/image/decode';
import type { Slide } from '../../core/slide/slide';
import { resultToGeoJson, type GeoJsonFeatureCollection } from '../../app/export/geojson';
import { fileByteSource, looksLikeTiff } from '../file-source';
import {
  defaultJobs,
  inProcessAnalyzer,
  workerPoolAnalyzer,
  type Analyzer,
} from '../analysis/analysis-pool';
import type { ScaleOptions } from '../analysis/worker-api';

/**
 * JSON written by --json: one AnalysisResult (src/core/types.ts) per file analysed, in order, and
 * one entry per file that could not be read or analysed (the batch goes on past it).
 */
export interface AnalyzeJson {
  images: (AnalysisResult & { file: string })[];
  errors: { file: string; error: string }[];
}

/**
 * A PNG, JPEG or BMP whose header says it is at most AUTO_CELL_MAX_SIDE a side (presumed a single
 * cell): its network passes (128²) are too small to share between WASM threads, and starting them
 * cost ~50 ms per cell (docs/PERFORMANCE.md). Unreadable or other files: false (the analysis
 * reports them).
 */
export function isSmallImageFile(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const head = new Uint8Array(HEADER_BYTES);
      const wh = headerSize(head.subarray(0, readSync(fd, head, 0, HEADER_BYTES, 0)));
      return wh !== null && Math.max(wh[0], wh[1]) <= AUTO_CELL_MAX_SIDE;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
/** Enough for a JPEG's frame header behind its EXIF block. */
const HEADER_BYTES = 256 * 1024;

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseCliArgs(
    argv,
    {
      mode: { type: 'string', default: 'auto' },
      json: { type: 'string' },
      models: { type: 'string' },
      jobs: { type: 'string' },
      slide: { type: 'boolean', default: false },
      geojson: { type: 'string' },
      scale: { type: 'string' },
      'pixel-size': { type: 'string' },
      'classify-set-aside': { type: 'boolean', default: false },
    },
    true,
  );
  if (positionals.length === 0) throw new UsageError('give at least one image file to analyse');
  const mode = values.mode;
  if (mode !== 'auto' && mode !== 'cell' && mode !== 'field')
    throw new UsageError(`--mode must be auto, cell or field, got "${mode}"`);
  if (
    values.jobs !== undefined &&
    !(Number.isInteger(Number(values.jobs)) && Number(values.jobs) >= 1)
  )
    throw new UsageError(`--jobs must be a positive integer, got "${values.jobs}"`);
  const scaleOpts: ScaleOptions = {};
  for (const [flag, key] of [
    ['scale', 'scale'],
    ['pixel-size', 'pixelSizeUm'],
  ] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    const x = Number(v);
    if (!(Number.isFinite(x) && x > 0))
      throw new UsageError(`--${flag} must be a positive number, got "${v}"`);
    scaleOpts[key] = x;
  }
  // Slides take one factor for every tile: --pixel-size, or --scale as the pixel size it means.
  const slidePixelSizeUm =
    scaleOpts.pixelSizeUm ??
    (scaleOpts.scale !== undefined ? scaleOpts.scale * WORKING_PIXEL_UM : undefined);
  // One file: this process is the only analysis, so on WASM the network runs with XNNPACK
  // threads on the cores (src/cli/wasm-threads.ts; same results) — unless it is a small image,
  // whose passes are too small to share. Several files: one analysis thread per core, or tile
  // workers with --jobs 1, use the cores instead.
  const backend = await initNodeTf({
    wasmThreads:
      positionals.length === 1 && !isSmallImageFile(positionals[0]) ? threadsForOneAnalysis() : 1,
  });
  const threads = wasmThreadCount();
  const modelsDir = values.models ? resolve(values.models) : undefined;
  const source = nodeModelSource(modelsDir);
  const models = await loadPipelineModels(source);
  // Started from a closure below, hence a holder (TypeScript would narrow a plain `let` to null).
  const segTiles: { started: Promise<SegTileWorkers | null> | null } = { started: null };
  let analyzer: Analyzer | null = null;
  let descriptors: AppDescriptors | null = null;
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
    const fail = (file: string, error: string, progress: string): void => {
      out.errors.push({ file, error });
      // One line per failed file as it happens (one file alone: the final error line says it).
      if (positionals.length > 1) console.error(`${progress} ${file}: ${error}`);
    };
    // One analysis thread per core for a batch (each with its own models); one file: in-process.
    const jobs = values.jobs ? Number(values.jobs) : defaultJobs(positionals.length);
    analyzer = jobs > 1 ? workerPoolAnalyzer(jobs, modelsDir) : inProcessAnalyzer(models);
    // In-process (one file, or --jobs 1, and every slide): LBP + SURF on a descriptor worker
    // thread while the CNNs run here, as the app does; the pool's threads use the cores already.
    if (jobs === 1 && models.vocabulary) {
      descriptors = await startDescriptors(models.vocabulary, {
        createWorker: nodeDescriptorWorker,
        size: descriptorWorkerCount(),
      });
      models.extractors.handcrafted = descriptors.hook;
    }
    // In-process: the tiles of each image shared with copies of the network on the other cores,
    // for a batch or a slide (many network passes). Not for one plain image: the workers' start
    // (~1 s of both cores) ate the gain (PERFORMANCE.md). Not awaited: they join when loaded.
    // Read now: a bad PAPLENS_SEG_WORKERS is a usage error, not silently ignored later.
    const tileCount = jobs === 1 ? segTileWorkerCount() : 0;
    const shareTiles = (): void => {
      if (tileCount > 0)
        segTiles.started ??= shareSegTilesInNode(models, source, tileCount).catch(() => null);
    };
    if (positionals.length > 1) shareTiles();
    const results: (AnalysisResult | null)[] = new Array<AnalysisResult | null>(
      positionals.length,
    ).fill(null);
    let done = 0;
    const step = (): string => `[${++done}/${positionals.length}]`;
    const one = async (index: number): Promise<void> => {
      const file = positionals[index];
      // Every file gets its chance: a missing, damaged or hanging file is reported and skipped.
      if (!existsSync(file) || !statSync(file).isFile())
        return fail(file, 'file not found', step());
      // Whole slides are analysed tile by tile (the app's rule, probe-slide.ts): TIFFs never
      // decoded whole, large JPEG/PNG decoded once under the decode watchdog.
      const probe = await probeFile(file);
      if (probe.kind === 'damaged') return fail(file, probe.message, step());
      if (probe.kind === 'raster' || (values.slide && !(await isTiffFile(file)))) {
        shareTiles();
        try {
          const img = await decoder.decode(new Uint8Array(readFileSync(file)));
          results[index] = await analyzeSlideFile(
            file,
            rasterSlide([img]),
            models,
            step,
            slidePixelSizeUm,
            values['classify-set-aside'],
          );
        } catch (e) {
          fail(file, (e as Error).message, step());
        }
        return;
      }
      if (values.slide || probe.kind === 'slide') {
        shareTiles();
        const src = fileByteSource(file);
        try {
          results[index] = await analyzeSlideFile(
            file,
            await openTiffSlide(src),
            models,
            step,
            slidePixelSizeUm,
            values['classify-set-aside'],
          );
        } catch (e) {
          fail(file, (e as Error).message, step());
        } finally {
          src.close();
        }
        return;
      }
      let img;
      try {
        img = await decoder.decode(new Uint8Array(readFileSync(file)));
      } catch (e) {
        return fail(file, (e as Error).message, step());
      }
      let r: AnalysisResult;
      try {
        r = await analyzer!.analyze(img, mode, basename(file), {
          ...scaleOpts,
          classifySetAside: values['classify-set-aside'],
        });
      } catch (e) {
        return fail(file, `the analysis failed: ${(e as Error).message}`, step());
      }
      results[index] = r;
      const prefix = positionals.length > 1 ? `${step()} ` : '';
      console.log(
        `${prefix}${file}: ${r.image.width}×${r.image.height}, ${r.mode} mode, scale ×${r.scale.toFixed(3)} (${r.scaleSource}), ${r.nuclei.length} nucle${r.nuclei.length === 1 ? 'us' : 'i'}, backend ${backend}${threads > 1 ? ` (${threads} threads)` : ''}, ${r.timings.find((t) => t.stage === 'total')?.ms.toFixed(0)} ms`,
      );
      for (const w of r.warnings) console.log(`  note: ${w}`);
    };
    // `parallel` files in flight; decoding is serialised by the watchdog, analysis is not.
    let nextIndex = 0;
    const lane = async (): Promise<void> => {
      while (nextIndex < positionals.length) await one(nextIndex++);
    };
    await Promise.all(
      Array.from({ length: Math.min(analyzer.parallel, positionals.length) }, lane),
    );
    const order = (f: string): number => (positionals as string[]).indexOf(f);
    out.errors.sort((x, y) => order(x.file) - order(y.file));
    for (const [index, r] of results.entries()) {
      if (!r) continue;
      const file = positionals[index];
      out.images.push({ file, ...r });
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
          // The screening call (field mode's operating point; never for Other), as the app flags;
          // objects the gate set aside before classification carry a label but no probabilities.
          flagged: n.label !== null ? (n.abnormal ? 'yes' : 'no') : null,
          low_conf: n.label !== null ? (n.lowConfidence ? 'yes' : 'no') : null,
          on_request: n.classifiedOnRequest ? 'yes' : null,
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
      'flagged',
      'low_conf',
      // Objects the Other gate set aside, classified on request (still Other, uncounted).
      ...(values['classify-set-aside'] ? ['on_request'] : []),
    ]);
    console.log('\nResearch decision support only: probabilities, not a diagnosis.');
    if (values.json) writeJson(values.json, out);
    if (values.geojson) writeJson(values.geojson, toGeoJson(out));
    if (out.errors.length === 1 && positionals.length === 1)
      throw new CliError(`${out.errors[0].file}: ${out.errors[0].error}`);
    if (out.errors.length > 0)
      throw new CliError(
        `${out.errors.length} of ${positionals.length} files could not be analysed (listed above); the others were`,
      );
  } finally {
    descriptors?.terminate();
    (await segTiles.started)?.terminate();
    analyzer?.dispose();
    decoder.dispose();
    models.dispose();
  }
}

/** The app's slide rule for a file on disk (only its header and directories are read). */
async function probeFile(file: string): Promise<SlideProbe> {
  const src = fileByteSource(file);
  try {
    return await probeSlide(src);
  } finally {
    src.close();
  }
}

async function isTiffFile(file: string): Promise<boolean> {
  const src = fileByteSource(file);
  try {
    return looksLikeTiff(await src.read(0, 4));
  } finally {
    src.close();
  }
}

async function analyzeSlideFile(
  file: string,
  slide: Slide,
  models: PipelineModels,
  step: () => string,
  pixelSizeUm: number | undefined,
  classifySetAside: boolean,
): Promise<AnalysisResult> {
  console.log(
    `${file}: slide ${slide.width}×${slide.height}, ${slide.levels.length} level(s); analysing tile by tile`,
  );
  // Said, not silently skipped: the on-request classification needs the image, not its tiles.
  if (classifySetAside)
    console.log(
      '  note: --classify-set-aside applies to images, not slides: the objects set aside on this slide stay unclassified',
    );
  const r = await analyzeSlide(slide, models, {
    name: basename(file),
    pixelSizeUm,
    onScale: ({ scale, scaleSource, probe }) =>
      console.log(
        `  scale ×${scale.toFixed(3)} (${scaleSource}${slide.pixelSize && scaleSource === 'file' ? `: ${slide.pixelSize.from} ${slide.pixelSize.um} µm/px` : ''}${probe ? `: factors ${probe.factors.map((f) => f.toFixed(2)).join(', ') || 'none'} from ${probe.windows} sample windows` : ''})`,
      ),
    onProgress: (p) =>
      console.log(
        `  tile ${p.tilesDone}/${p.tiles}, ${p.nuclei} nuclei, ${(p.elapsedMs / 1000).toFixed(0)} s elapsed, ~${(p.etaMs / 1000).toFixed(0)} s left`,
      ),
  });
  const s = r.slide;
  console.log(
    `${step()} ${file}: ${r.nuclei.length} nuclei in ${(s.ms / 1000).toFixed(1)} s (${s.megapixelsPerSecond.toFixed(2)} MP/s); ` +
      `adequacy estimate ${s.squamousEstimate} squamous cells (Bethesda: ≥ 5,000 liquid-based, ≥ 8,000 conventional)`,
  );
  return r;
}

/** QuPath-importable detections of every analysed image (slides in level-0 coordinates). */
function toGeoJson(out: AnalyzeJson): GeoJsonFeatureCollection {
  return {
    type: 'FeatureCollection',
    features: out.images.flatMap((r, i) => resultToGeoJson(r, { pixelSizeUm: null }, i).features),
  };
}
