import { pointInPolygon } from '../util/geometry';

/**
 * Screening metrics of whole analysed fields against sparse point labels (CRIC): every object the
 * app outlines is judged, not only the labelled cells. Definitions (docs/SCREENING.md):
 *
 * - a labelled point is *found* when it lies inside a detected nucleus contour (first such nucleus);
 * - point_recall = found points / labelled points;
 * - abnormal_sensitivity = labelled abnormal points whose nucleus is found AND called abnormal,
 *   over all labelled abnormal points (a missed nucleus counts as a miss);
 * - abnormal_calls = nuclei called abnormal; abnormal_call_precision = those containing a labelled
 *   abnormal point / abnormal_calls (a lower bound: CRIC leaves many cells unmarked);
 * - calls_per_field_without_abnormal_label = abnormal calls on nuclei that contain no labelled
 *   abnormal point, divided by the number of fields;
 * - nilm_cells_called_abnormal = labelled NILM points whose nucleus is found and called abnormal,
 *   over found NILM points;
 * - ranking_precision_at[k] = the batch's nuclei that the gallery would rank (not set aside as
 *   Other) sorted by P(abnormal), fraction of the top k containing a labelled abnormal point;
 * - field level: a field is called abnormal when it has ≥ `minCallsForAbnormalField` calls, and is
 *   truly abnormal when it has a labelled abnormal point.
 */
export interface FieldNucleusInput {
  contour: readonly [number, number][];
  /** The screening call. */
  abnormal: boolean;
  /** Ranking score (P(abnormal)); NaN/null rank last. */
  abnormalProbability: number | null;
  /** True when the object was set aside (Other): not ranked in the gallery. */
  setAside?: boolean;
}

export interface FieldPointInput {
  x: number;
  y: number;
  abnormal: boolean;
}

export interface FieldInput {
  name: string;
  nuclei: readonly FieldNucleusInput[];
  points: readonly FieldPointInput[];
  /** Analysis time of the field, ms (optional). */
  ms?: number;
}

export const RANKING_KS = [10, 20, 50, 100] as const;

export interface FieldsReport {
  fields: number;
  nuclei: number;
  labelled_cells: number;
  point_recall: number;
  abnormal_sensitivity: number;
  abnormal_calls: number;
  abnormal_call_precision: number;
  calls_per_field_without_abnormal_label: number;
  nilm_cells_called_abnormal: number;
  ranking_precision_at: Record<'10' | '20' | '50' | '100', number>;
  median_field_ms: number | null;
  /** Counts behind the ratios, for the table and for checking. */
  counts: {
    abnormal_cells: number;
    abnormal_cells_found: number;
    abnormal_cells_called: number;
    nilm_cells: number;
    nilm_cells_found: number;
    nilm_cells_called: number;
    calls_on_labelled_abnormal: number;
    calls_without_abnormal_label: number;
    set_aside: number;
  };
  field_level: {
    min_calls: number;
    abnormal_fields: number;
    abnormal_fields_flagged: number;
    normal_fields: number;
    normal_fields_flagged: number;
  };
}

const div = (a: number, b: number): number => (b === 0 ? NaN : a / b);

/** Index of the first nucleus whose contour contains (x, y), or -1 (bbox pre-check for speed). */
export function matchPoint(
  x: number,
  y: number,
  nuclei: readonly FieldNucleusInput[],
  boxes?: readonly [number, number, number, number][],
): number {
  for (let i = 0; i < nuclei.length; i++) {
    const b = boxes?.[i];
    if (b && (x < b[0] || x > b[2] || y < b[1] || y > b[3])) continue;
    if (pointInPolygon(x, y, nuclei[i].contour)) return i;
  }
  return -1;
}

function boundingBoxes(nuclei: readonly FieldNucleusInput[]): [number, number, number, number][] {
  return nuclei.map((n) => {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const [x, y] of n.contour) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
    return [x0, y0, x1, y1];
  });
}

export function fieldsReport(
  fields: readonly FieldInput[],
  minCallsForAbnormalField = 1,
): FieldsReport {
  let nuclei = 0;
  let labelled = 0;
  let found = 0;
  let abn = 0;
  let abnFound = 0;
  let abnCalled = 0;
  let nilm = 0;
  let nilmFound = 0;
  let nilmCalled = 0;
  let calls = 0;
  let callsOnAbn = 0;
  let setAside = 0;
  let abnFields = 0;
  let abnFieldsFlagged = 0;
  let normFields = 0;
  let normFieldsFlagged = 0;
  const ranked: { p: number; hit: boolean }[] = [];
  const times: number[] = [];
  for (const f of fields) {
    nuclei += f.nuclei.length;
    if (f.ms !== undefined && Number.isFinite(f.ms)) times.push(f.ms);
    const boxes = boundingBoxes(f.nuclei);
    const hasAbnPoint = new Array<boolean>(f.nuclei.length).fill(false);
    for (const p of f.points) {
      labelled++;
      const i = matchPoint(p.x, p.y, f.nuclei, boxes);
      if (i >= 0) found++;
      const called = i >= 0 && f.nuclei[i].abnormal;
      if (p.abnormal) {
        abn++;
        if (i >= 0) {
          abnFound++;
          hasAbnPoint[i] = true;
        }
        if (called) abnCalled++;
      } else {
        nilm++;
        if (i >= 0) nilmFound++;
        if (called) nilmCalled++;
      }
    }
    let fieldCalls = 0;
    f.nuclei.forEach((n, i) => {
      if (n.setAside) setAside++;
      else {
        const p = n.abnormalProbability;
        ranked.push({ p: p !== null && Number.isFinite(p) ? p : -Infinity, hit: hasAbnPoint[i] });
      }
      if (!n.abnormal) return;
      calls++;
      fieldCalls++;
      if (hasAbnPoint[i]) callsOnAbn++;
    });
    const flagged = fieldCalls >= minCallsForAbnormalField;
    if (f.points.some((p) => p.abnormal)) {
      abnFields++;
      if (flagged) abnFieldsFlagged++;
    } else {
      normFields++;
      if (flagged) normFieldsFlagged++;
    }
  }
  // Stable sort: ties keep batch order, so the figure is reproducible.
  ranked.sort((a, b) => b.p - a.p);
  const precisionAt = (k: number): number => {
    const top = ranked.slice(0, k);
    return div(top.filter((r) => r.hit).length, top.length);
  };
  times.sort((a, b) => a - b);
  const median =
    times.length === 0
      ? null
      : times.length % 2
        ? times[(times.length - 1) / 2]
        : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  return {
    fields: fields.length,
    nuclei,
    labelled_cells: labelled,
    point_recall: div(found, labelled),
    abnormal_sensitivity: div(abnCalled, abn),
    abnormal_calls: calls,
    abnormal_call_precision: div(callsOnAbn, calls),
    calls_per_field_without_abnormal_label: div(calls - callsOnAbn, fields.length),
    nilm_cells_called_abnormal: div(nilmCalled, nilmFound),
    ranking_precision_at: {
      '10': precisionAt(10),
      '20': precisionAt(20),
      '50': precisionAt(50),
      '100': precisionAt(100),
    },
    median_field_ms: median,
    counts: {
      abnormal_cells: abn,
      abnormal_cells_found: abnFound,
      abnormal_cells_called: abnCalled,
      nilm_cells: nilm,
      nilm_cells_found: nilmFound,
      nilm_cells_called: nilmCalled,
      calls_on_labelled_abnormal: callsOnAbn,
      calls_without_abnormal_label: calls - callsOnAbn,
      set_aside: setAside,
    },
    field_level: {
      min_calls: minCallsForAbnormalField,
      abnormal_fields: abnFields,
      abnormal_fields_flagged: abnFieldsFlagged,
      normal_fields: normFields,
      normal_fields_flagged: normFieldsFlagged,
    },
  };
}
