import {
  NUCLEUS_CLASSES,
  type AnalysisResult,
  type Nucleus,
  type NucleusLabel,
} from '../../core/types';
import { micronsPerPixel } from '../units';

/** Options shared by every export: the user's pixel-size setting (null = default estimate). */
export interface ExportOptions {
  pixelSizeUm: number | null;
}

export function imageName(result: AnalysisResult, index = 0): string {
  return result.image.name ?? `image-${index + 1}`;
}

export function umPerPx(result: AnalysisResult, options: ExportOptions): number {
  return micronsPerPixel(result.mode, result.scale, options.pixelSizeUm);
}

/** Per-label counts; `Other` (set aside, issue 11) is its own key, never a Bethesda count. */
export function countsByClass(nuclei: Nucleus[]): Record<NucleusLabel | 'unclassified', number> {
  const counts = Object.fromEntries(
    [...NUCLEUS_CLASSES, 'unclassified'].map((c) => [c, 0]),
  ) as Record<NucleusLabel | 'unclassified', number>;
  for (const n of nuclei) counts[n.label ?? 'unclassified'] += 1;
  return counts;
}

/** Round for export: enough digits for measurement, no float noise like 0.30000000000000004. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Base name without extension, safe for a download file name. */
export function fileStem(name: string): string {
  const stem = name.replace(/\.[a-z0-9]+$/i, '').replace(/[^a-z0-9._-]+/gi, '_');
  return stem || 'image';
}
