import { getIssues } from '@placemarkio/check-geojson';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult, Nucleus } from '../src/core/types';
import { CSV_COLUMNS, csvField, nucleiToCsv } from '../src/app/export/csv';
import { closedRing, resultToGeoJson } from '../src/app/export/geojson';
import { buildReport, DISCLAIMER } from '../src/app/export/report';
import { countsByClass, fileStem } from '../src/app/export/common';
import { DEFAULT_CELL_PIXEL_UM, DEFAULT_WORKING_PIXEL_UM, micronsPerPixel } from '../src/app/units';

function nucleus(id: number, probs: number[] | null, extra: Partial<Nucleus> = {}): Nucleus {
  const label = probs
    ? (['NILM', 'ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC'] as const)[
        probs.indexOf(Math.max(...probs))
      ]
    : null;
  return {
    id,
    contour: [
      [10, 10],
      [20, 10],
      [20, 20],
      [10, 20],
    ],
    bbox: { x: 10, y: 10, width: 11, height: 11 },
    centroid: { x: 15, y: 15 },
    morphometrics: {
      areaPx: 100,
      perimeterPx: 40,
      circularity: Math.PI / 4,
      eccentricity: 0,
      meanIntensity: 0.25,
    },
    probabilities: probs,
    label,
    confidence: probs ? Math.max(...probs) : null,
    abnormalProbability: probs ? 1 - probs[0] : null,
    abnormal: probs ? 1 - probs[0] >= 0.5 : false,
    lowConfidence: probs ? Math.max(...probs) < 0.5 : false,
    ...extra,
  };
}

function result(nuclei: Nucleus[], name = 'field, "A".png', scale = 1): AnalysisResult {
  return {
    image: { width: 100, height: 80, name },
    mode: 'field',
    scale,
    scaleSource: 'default',
    modeSource: 'user',
    nuclei,
    timings: [{ stage: 'segment', ms: 12 }],
    backend: 'wasm',
    modelVersions: { seg: '1' },
    warnings: [],
  };
}

/** Minimal RFC 4180 parser for checking our own output round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r') continue;
    else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  return rows;
}

const probsA = [0.1, 0.05, 0.05, 0.1, 0.6, 0.1];
const probsB = [0.9, 0.02, 0.02, 0.02, 0.02, 0.02];

describe('CSV export', () => {
  it('quotes fields per RFC 4180', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(null)).toBe('');
    expect(csvField(0.5)).toBe('0.5');
  });

  it('writes one row per nucleus with measurements and every class probability', () => {
    const r = result([nucleus(1, probsA), nucleus(2, probsB)]);
    const rows = parseCsv(
      nucleiToCsv([r, result([nucleus(7, probsB)], 'b.png')], { pixelSizeUm: 0.5 }),
    );
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(1 + 3);
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const first = rows[1];
    expect(first[col('image')]).toBe('field, "A".png');
    expect(first[col('nucleus_id')]).toBe('1');
    expect(first[col('label')]).toBe('HSIL');
    // 100 px² at 0.5 µm/px = 25 µm²; perimeter 40 px = 20 µm.
    expect(Number(first[col('area_um2')])).toBeCloseTo(25, 6);
    expect(Number(first[col('perimeter_um')])).toBeCloseTo(20, 6);
    expect(Number(first[col('p_abnormal')])).toBeCloseTo(0.9, 6);
    const pSum = ['NILM', 'ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC'].reduce(
      (s, c) => s + Number(first[col(`p_${c}`)]),
      0,
    );
    expect(pSum).toBeCloseTo(1, 6);
    expect(first[col('classified_on_request')]).toBe('false');
    const asked = parseCsv(
      nucleiToCsv([result([{ ...nucleus(1, probsA), classifiedOnRequest: true }])], {
        pixelSizeUm: 0.5,
      }),
    );
    expect(asked[1][col('classified_on_request')]).toBe('true');
    expect(rows[3][col('image')]).toBe('b.png');
    expect(rows[3][col('nucleus_id')]).toBe('7');
  });

  it('leaves probability cells empty when no classifier ran', () => {
    const rows = parseCsv(nucleiToCsv([result([nucleus(1, null)])], { pixelSizeUm: null }));
    const idx = CSV_COLUMNS.indexOf('p_NILM');
    expect(rows[1][idx]).toBe('');
    expect(rows[1][CSV_COLUMNS.indexOf('label')]).toBe('');
    // Default pixel size at working scale 1.
    expect(Number(rows[1][CSV_COLUMNS.indexOf('um_per_px')])).toBeCloseTo(
      DEFAULT_WORKING_PIXEL_UM,
      5,
    );
  });

  it('header only for an empty batch', () => {
    expect(parseCsv(nucleiToCsv([], { pixelSizeUm: null }))).toHaveLength(1);
  });
});

describe('GeoJSON export (QuPath)', () => {
  it('closes rings and drops degenerate contours', () => {
    expect(
      closedRing([
        [0, 0],
        [1, 0],
        [1, 1],
      ]),
    ).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 0],
    ]);
    expect(
      closedRing([
        [0, 0],
        [1, 0],
      ]),
    ).toBeNull();
  });

  it('emits one classified detection polygon per nucleus', () => {
    const bad = nucleus(3, probsB, { contour: [[1, 1]] });
    const fc = resultToGeoJson(result([nucleus(1, probsA), nucleus(2, null), bad]), {
      pixelSizeUm: 0.25,
    });
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(2);
    const [a, b] = fc.features;
    expect(a.geometry.type).toBe('Polygon');
    const ring = a.geometry.coordinates[0];
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    expect(a.properties.objectType).toBe('detection');
    expect(a.properties.classification).toEqual({ name: 'HSIL', color: [0xd5, 0x5e, 0x00] });
    expect(a.properties.measurements['Area µm^2']).toBeCloseTo(6.25, 6);
    expect(a.properties.measurements['P(HSIL)']).toBeCloseTo(0.6, 6);
    expect(b.properties.classification).toBeUndefined();
    expect(a.properties.name).toBe('Nucleus 1');
    const asked = resultToGeoJson(result([{ ...nucleus(1, probsA), classifiedOnRequest: true }]), {
      pixelSizeUm: 0.25,
    });
    expect(asked.features[0].properties.name).toBe('Nucleus 1 (classified on request)');
    expect(new Set(fc.features.map((f) => f.id)).size).toBe(2);
    // Valid JSON round trip, and valid GeoJSON (RFC 7946) to an independent checker.
    expect(JSON.parse(JSON.stringify(fc))).toEqual(fc);
    expect(getIssues(JSON.stringify(fc))).toEqual([]);
  });
});

describe('JSON report', () => {
  it('summarises counts per class and keeps every nucleus', () => {
    const r = result([nucleus(1, probsA), nucleus(2, probsB), nucleus(3, probsB)]);
    const rep = buildReport(
      [r],
      { pixelSizeUm: null },
      { appVersion: '0.1.0', generatedAt: '2026-01-01T00:00:00Z' },
    );
    expect(rep.disclaimer).toBe(DISCLAIMER);
    expect(rep.settings.pixelSizeSource).toBe('default estimate');
    expect(rep.images).toHaveLength(1);
    const img = rep.images[0];
    expect(img.nucleusCount).toBe(3);
    // Where the factor to the working scale came from travels with it (issue 12).
    expect([img.scale, img.scaleSource, img.modeSource]).toEqual([1, 'default', 'user']);
    expect(img.counts.HSIL).toBe(1);
    expect(img.counts.NILM).toBe(2);
    expect(img.maxAbnormalProbability).toBeCloseTo(0.9, 6);
    expect(img.nuclei).toHaveLength(3);
  });
});

describe('helpers', () => {
  it('counts unclassified nuclei separately', () => {
    const c = countsByClass([nucleus(1, null), nucleus(2, probsB)]);
    expect(c.unclassified).toBe(1);
    expect(c.NILM).toBe(1);
  });

  it('derives µm per input pixel from the working scale (fields) unless the user set it', () => {
    expect(micronsPerPixel('field', 0.5, null)).toBeCloseTo(DEFAULT_WORKING_PIXEL_UM * 0.5, 9);
    expect(micronsPerPixel('field', 0.5, 0.3)).toBe(0.3);
    // A cell-mode rescale is a model choice, not physics: the Herlev default applies.
    expect(micronsPerPixel('cell', 0.5, null)).toBe(DEFAULT_CELL_PIXEL_UM);
    expect(micronsPerPixel('cell', 0.5, 0.25)).toBe(0.25);
  });

  it('makes safe file stems', () => {
    expect(fileStem('my cell (1).tif')).toBe('my_cell_1_');
    expect(fileStem('.png')).toBe('image');
  });
});

describe('missing measurements', () => {
  it('writes empty CSV cells and omits GeoJSON measurements instead of NaN', () => {
    const n = nucleus(1, probsB, {
      morphometrics: {
        areaPx: NaN,
        perimeterPx: NaN,
        circularity: NaN,
        eccentricity: NaN,
        meanIntensity: NaN,
      },
    });
    const rows = parseCsv(nucleiToCsv([result([n])], { pixelSizeUm: null }));
    expect(rows[1][CSV_COLUMNS.indexOf('area_px')]).toBe('');
    expect(rows[1].join(',')).not.toContain('NaN');
    const fc = resultToGeoJson(result([n]), { pixelSizeUm: null });
    expect(fc.features[0].properties.measurements['Area px^2']).toBeUndefined();
    expect(fc.features[0].properties.measurements['P(NILM)']).toBeCloseTo(0.9, 6);
    expect(JSON.stringify(fc)).not.toContain('null');
  });
});

describe('exports name the Other class (issue 11)', () => {
  // A field object set aside by the Other gate: seven probabilities, label Other.
  const other = nucleus(3, null, {
    probabilities: [0.1, 0.02, 0.02, 0.02, 0.02, 0.02, 0.8],
    label: 'Other',
    confidence: 0.8,
    abnormalProbability: 0.1,
    abnormal: false,
  });
  const flagged = nucleus(4, probsA, { abnormal: true });

  it('CSV: p_Other and the screening call per nucleus; empty p_Other without the gate', () => {
    const rows = parseCsv(nucleiToCsv([result([other, flagged])], { pixelSizeUm: null }));
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    expect(rows[1][col('label')]).toBe('Other');
    expect(Number(rows[1][col('p_Other')])).toBeCloseTo(0.8);
    expect(rows[1][col('abnormal')]).toBe('false');
    expect(rows[2][col('p_Other')]).toBe('');
    expect(rows[2][col('abnormal')]).toBe('true');
  });

  it('report and counts: Other is its own key, set aside and not summarised', () => {
    const rep = buildReport(
      [result([other, flagged])],
      { pixelSizeUm: null },
      {
        appVersion: 't',
        generatedAt: 'now',
      },
    );
    expect(rep.classes).toContain('Other');
    expect(rep.images[0].counts.Other).toBe(1);
    expect(rep.images[0].counts.HSIL).toBe(1);
    expect(rep.images[0].setAsideCount).toBe(1);
    expect(rep.images[0].abnormalCount).toBe(1);
    expect(countsByClass([other]).NILM).toBe(0);
    const gj = resultToGeoJson(result([other]), { pixelSizeUm: null });
    expect(gj.features[0].properties.classification?.name).toBe('Other');
    expect(gj.features[0].properties.measurements['P(Other)']).toBeCloseTo(0.8);
  });
});
