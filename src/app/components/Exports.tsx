import { useState } from 'react';
import type { AnalysisResult } from '../../core/types';
import { fileStem } from '../export/common';
import { nucleiToCsv } from '../export/csv';
import { downloadBlob, downloadText } from '../export/download';
import { resultToGeoJson } from '../export/geojson';
import { overlayPng } from '../export/png';
import { buildReport } from '../export/report';
import { useSelectedItem, useStore } from '../store';

/** Exports: PNG/GeoJSON of the image in view; CSV and JSON report of the whole batch. */
export function Exports() {
  const item = useSelectedItem();
  const items = useStore((s) => s.items);
  const pixelSizeUm = useStore((s) => s.pixelSizeUm);
  const opacity = useStore((s) => (s.overlayVisible ? s.overlayOpacity : 0));
  const backend = useStore((s) => s.backend?.backend);
  const [busy, setBusy] = useState(false);
  const results: AnalysisResult[] = items.flatMap((it) => (it.result ? [it.result] : []));
  const result = item?.result;
  const stem = fileStem(item?.name ?? 'image');
  const opts = { pixelSizeUm };
  const batchStem = results.length === 1 ? stem : `paplens-batch-${results.length}-images`;

  return (
    <section className="panel">
      <h2>Export</h2>
      <div className="export-buttons">
        <button
          type="button"
          className="button"
          data-testid="export-png"
          disabled={!item?.image || !result || busy}
          onClick={async () => {
            if (!item?.image) return;
            setBusy(true);
            try {
              downloadBlob(
                await overlayPng(item.image, result, opacity || 1),
                `${stem}-overlay.png`,
              );
            } finally {
              setBusy(false);
            }
          }}
        >
          PNG with overlay
        </button>
        <button
          type="button"
          className="button"
          data-testid="export-geojson"
          disabled={!result}
          onClick={() =>
            result &&
            downloadText(
              JSON.stringify(resultToGeoJson(result, opts)),
              `${stem}.geojson`,
              'application/geo+json',
            )
          }
        >
          GeoJSON (QuPath)
        </button>
        <button
          type="button"
          className="button"
          data-testid="export-csv"
          disabled={results.length === 0}
          onClick={() =>
            downloadText(nucleiToCsv(results, opts), `${batchStem}-nuclei.csv`, 'text/csv')
          }
        >
          CSV per nucleus{results.length > 1 ? ` (${results.length} images)` : ''}
        </button>
        <button
          type="button"
          className="button"
          data-testid="export-json"
          disabled={results.length === 0}
          onClick={() =>
            downloadText(
              JSON.stringify(
                buildReport(results, opts, {
                  appVersion: __APP_VERSION__,
                  generatedAt: new Date().toISOString(),
                  backend,
                }),
                null,
                2,
              ),
              `${batchStem}-report.json`,
              'application/json',
            )
          }
        >
          JSON report
        </button>
      </div>
      <p className="muted small">Files are created in your browser; nothing is uploaded.</p>
    </section>
  );
}
