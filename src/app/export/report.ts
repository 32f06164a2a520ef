import { NUCLEUS_CLASSES, OTHER_CLASS, type AnalysisResult } from '../../core/types';
import { countsByClass, imageName, round, umPerPx, type ExportOptions } from './common';

export const DISCLAIMER = 'Decision support for research use — not a diagnosis.';

export interface ReportMeta {
  appVersion: string;
  generatedAt: string;
  backend?: string;
}

/** A self-describing JSON report of a batch: settings, per-image summary and every nucleus. */
export function buildReport(results: AnalysisResult[], options: ExportOptions, meta: ReportMeta) {
  return {
    app: { name: 'PapLens', version: meta.appVersion },
    generatedAt: meta.generatedAt,
    disclaimer: DISCLAIMER,
    classes: [...NUCLEUS_CLASSES],
    settings: {
      pixelSizeUm: options.pixelSizeUm,
      pixelSizeSource: options.pixelSizeUm === null ? 'default estimate' : 'user',
    },
    images: results.map((r, i) => {
      // Objects set aside as Other are outlined and listed, but not summarised (issue 11).
      const kept = r.nuclei.filter((n) => n.label !== OTHER_CLASS);
      const abnormal = kept
        .map((n) => n.abnormalProbability)
        .filter((p): p is number => p !== null);
      return {
        name: imageName(r, i),
        width: r.image.width,
        height: r.image.height,
        mode: r.mode,
        scale: r.scale,
        scaleSource: r.scaleSource,
        modeSource: r.modeSource,
        umPerPx: round(umPerPx(r, options), 5),
        backend: r.backend,
        modelVersions: r.modelVersions,
        timings: r.timings,
        warnings: r.warnings,
        nucleusCount: r.nuclei.length,
        counts: countsByClass(r.nuclei),
        setAsideCount: r.nuclei.length - kept.length,
        abnormalCount: kept.filter((n) => n.abnormal).length,
        maxAbnormalProbability: abnormal.length ? Math.max(...abnormal) : null,
        lowConfidenceCount: r.nuclei.filter((n) => n.lowConfidence).length,
        nuclei: r.nuclei,
      };
    }),
  };
}
