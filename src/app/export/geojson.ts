import { NUCLEUS_CLASSES, type AnalysisResult, type Nucleus } from '../../core/types';
import { CLASS_COLORS, hexToRgb } from '../classes';
import { round, umPerPx, type ExportOptions } from './common';

export interface GeoJsonFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
  properties: {
    objectType: 'detection';
    name: string;
    isLocked: boolean;
    classification?: { name: string; color: [number, number, number] };
    measurements: Record<string, number>;
  };
}

export interface GeoJsonFeatureCollection {
  type: 'FeatureCollection';
  features: GeoJsonFeature[];
}

/** Closed ring (first point repeated at the end) of at least 4 positions, or null if degenerate. */
export function closedRing(contour: [number, number][]): [number, number][] | null {
  const pts = contour.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length < 3) return null;
  const ring = pts.map(([x, y]) => [round(x, 2), round(y, 2)] as [number, number]);
  const [fx, fy] = ring[0];
  const [lx, ly] = ring[ring.length - 1];
  if (fx !== lx || fy !== ly) ring.push([fx, fy]);
  return ring.length >= 4 ? ring : null;
}

function feature(n: Nucleus, um: number, imageIndex: number): GeoJsonFeature | null {
  const ring = closedRing(n.contour);
  if (!ring) return null;
  const m = n.morphometrics;
  const measurements: Record<string, number> = {
    'Area px^2': round(m.areaPx, 2),
    'Area µm^2': round(m.areaPx * um * um, 3),
    'Perimeter px': round(m.perimeterPx, 2),
    Circularity: round(m.circularity, 4),
    Eccentricity: round(m.eccentricity, 4),
    'Mean intensity': round(m.meanIntensity, 4),
  };
  // JSON has no NaN: drop measurements that are missing rather than writing null.
  for (const [k, v] of Object.entries(measurements))
    if (!Number.isFinite(v)) delete measurements[k];
  if (n.abnormalProbability !== null) measurements['P(abnormal)'] = round(n.abnormalProbability, 6);
  if (n.confidence !== null) measurements.Confidence = round(n.confidence, 6);
  if (n.probabilities) {
    n.probabilities.forEach((p, k) => {
      measurements[`P(${NUCLEUS_CLASSES[k]})`] = round(p, 6);
    });
  }
  return {
    type: 'Feature',
    id: `paplens-${imageIndex}-${n.id}`,
    geometry: { type: 'Polygon', coordinates: [ring] },
    properties: {
      objectType: 'detection',
      name: `Nucleus ${n.id}${n.lowConfidence ? ' (low confidence)' : ''}${n.classifiedOnRequest ? ' (classified on request)' : ''}`,
      isLocked: false,
      ...(n.label
        ? { classification: { name: n.label, color: hexToRgb(CLASS_COLORS[n.label]) } }
        : {}),
      measurements,
    },
  };
}

/**
 * Nucleus polygons as a GeoJSON FeatureCollection in image pixel coordinates (y down), the form
 * QuPath 0.4+ imports with File › Import objects (detections with classification and measurements).
 */
export function resultToGeoJson(
  result: AnalysisResult,
  options: ExportOptions,
  imageIndex = 0,
): GeoJsonFeatureCollection {
  const um = umPerPx(result, options);
  const features = result.nuclei
    .map((n) => feature(n, um, imageIndex))
    .filter((f): f is GeoJsonFeature => f !== null);
  return { type: 'FeatureCollection', features };
}
