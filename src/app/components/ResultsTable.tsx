import { isSetAside } from '../draw';
import { percent, ms } from '../format';
import { useStore, type ImageItem } from '../store';

const STATUS_TEXT: Record<ImageItem['status'], string> = {
  queued: 'Waiting',
  decoding: 'Reading…',
  analysing: 'Analysing…',
  done: 'Done',
  viewed: 'Not analysed (no model)',
  error: 'Error',
  cancelled: 'Cancelled',
};

/** One row per image of the batch; a row selects that image. */
export function ResultsTable() {
  const items = useStore((s) => s.items);
  const selectedId = useStore((s) => s.selectedId);
  const select = useStore((s) => s.select);
  if (items.length === 0) return null;
  return (
    <section className="panel table-panel">
      <h2>Batch results</h2>
      <div className="table-scroll">
        <table className="results" data-testid="results-table">
          <thead>
            <tr>
              <th scope="col">Image</th>
              <th scope="col">Status</th>
              <th scope="col">Mode</th>
              <th scope="col">Size</th>
              <th scope="col">Nuclei</th>
              <th scope="col">Abnormal</th>
              <th scope="col">Max P(abnormal)</th>
              <th scope="col">Low conf.</th>
              <th scope="col">Time</th>
            </tr>
          </thead>
          <tbody>
            {items.map((it) => {
              // Objects set aside as Other are neither counted nor ranked (issue 11).
              const nuclei = (it.result?.nuclei ?? []).filter((n) => !isSetAside(n));
              // The calibrated screening call, not the argmax label.
              const abnormal = nuclei.filter((n) => n.abnormal).length;
              const classified = nuclei.some((n) => n.label !== null);
              const pMax = nuclei.reduce((m, n) => Math.max(m, n.abnormalProbability ?? -1), -1);
              return (
                <tr
                  key={it.id}
                  className={it.id === selectedId ? 'selected' : undefined}
                  aria-selected={it.id === selectedId}
                  data-status={it.status}
                >
                  <td>
                    <button type="button" className="link" onClick={() => select(it.id)}>
                      {it.name}
                    </button>
                  </td>
                  <td title={it.error}>
                    {it.status === 'error' ? `Error: ${it.error}` : STATUS_TEXT[it.status]}
                  </td>
                  <td>{it.mode ?? '—'}</td>
                  <td>
                    {it.image
                      ? `${it.image.width}×${it.image.height}`
                      : it.slide
                        ? `${it.slide.width}×${it.slide.height} (slide)`
                        : '—'}
                  </td>
                  <td>{it.result ? nuclei.length : '—'}</td>
                  <td>{it.result && classified ? abnormal : '—'}</td>
                  <td>{pMax >= 0 ? percent(pMax) : '—'}</td>
                  <td>{it.result ? nuclei.filter((n) => n.lowConfidence).length : '—'}</td>
                  <td>{it.ms !== undefined ? ms(it.ms) : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
