import { NUCLEUS_CLASSES, type AnalysisResult } from '../../core/types';
import { imageName, round, umPerPx, type ExportOptions } from './common';

export const CSV_COLUMNS = [
  'image',
  'nucleus_id',
  'mode',
  'centroid_x',
  'centroid_y',
  'bbox_x',
  'bbox_y',
  'bbox_width',
  'bbox_height',
  'area_px',
  'area_um2',
  'perimeter_px',
  'perimeter_um',
  'circularity',
  'eccentricity',
  'mean_intensity',
  'um_per_px',
  'label',
  'confidence',
  'p_abnormal',
  'abnormal',
  'low_confidence',
  // p_Other is empty where the Other gate did not run (single-cell mode).
  ...NUCLEUS_CLASSES.map((c) => `p_${c}`),
  // The user asked for this object's split after the analysis ("Classify anyway").
  'classified_on_request',
] as const;

/** RFC 4180: quote fields holding a comma, quote or line break; double inner quotes. */
export function csvField(value: string | number | boolean | null): string {
  // Missing measurements (e.g. no segmentation model) are empty cells, not "NaN".
  if (value === null || (typeof value === 'number' && !Number.isFinite(value))) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per nucleus over every result, with measurements and every class probability. */
export function nucleiToCsv(results: AnalysisResult[], options: ExportOptions): string {
  const lines = [CSV_COLUMNS.join(',')];
  results.forEach((r, i) => {
    const um = umPerPx(r, options);
    for (const n of r.nuclei) {
      const m = n.morphometrics;
      const probs = NUCLEUS_CLASSES.map((_, k) =>
        n.probabilities && k < n.probabilities.length ? round(n.probabilities[k], 6) : null,
      );
      const row = [
        imageName(r, i),
        n.id,
        r.mode,
        round(n.centroid.x, 2),
        round(n.centroid.y, 2),
        n.bbox.x,
        n.bbox.y,
        n.bbox.width,
        n.bbox.height,
        round(m.areaPx, 2),
        round(m.areaPx * um * um, 3),
        round(m.perimeterPx, 2),
        round(m.perimeterPx * um, 3),
        round(m.circularity, 4),
        round(m.eccentricity, 4),
        round(m.meanIntensity, 4),
        round(um, 5),
        n.label,
        n.confidence === null ? null : round(n.confidence, 6),
        n.abnormalProbability === null ? null : round(n.abnormalProbability, 6),
        n.abnormal,
        n.lowConfidence,
        ...probs,
        n.classifiedOnRequest === true,
      ];
      lines.push(row.map(csvField).join(','));
    }
  });
  return lines.join('\r\n') + '\r\n';
}
