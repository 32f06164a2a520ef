import { duration, formatBytes, percent, stageLabel } from '../format';
import { useStore } from '../store';

function Bar({ value, label, testId }: { value: number | null; label: string; testId: string }) {
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-label">{label}</div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value === null ? undefined : Math.round(value * 100)}
      >
        {/* Scaled, not sized: a transform transition runs on the compositor, a width transition
            re-lays out and repaints the page every frame while the analysis runs (issue 13). */}
        <div
          className={`progress-fill${value === null ? ' indeterminate' : ''}`}
          style={value === null ? undefined : { transform: `scaleX(${value})` }}
        />
      </div>
    </div>
  );
}

/** Model download bytes while loading; per-image and per-stage progress during a batch. */
export function ProgressArea() {
  const phase = useStore((s) => s.phase);
  const download = useStore((s) => s.download);
  const running = useStore((s) => s.running);
  const batch = useStore((s) => s.batch);
  const items = useStore((s) => s.items);
  const cancel = useStore((s) => s.cancel);
  const current = items.find((it) => it.status === 'decoding' || it.status === 'analysing');

  return (
    <div className="progress-area" aria-live="polite">
      {phase === 'loading-models' && download ? (
        <Bar
          testId="model-progress"
          value={download.total > 0 ? download.loaded / download.total : null}
          label={`Downloading models: ${formatBytes(download.loaded)} of ${formatBytes(download.total)}`}
        />
      ) : null}
      {running && batch ? (
        <div className="batch-progress">
          <Bar
            testId="batch-progress"
            value={batch.total > 0 ? batch.done / batch.total : null}
            label={`Image ${Math.min(batch.done + 1, batch.total)} of ${batch.total}${current ? ` — ${current.name}` : ''}`}
          />
          {current?.slideProgress ? (
            <div
              data-testid="slide-progress"
              data-done={current.slideProgress.tilesDone}
              data-total={current.slideProgress.tiles}
              data-nuclei={current.slideProgress.nuclei}
              data-elapsed-ms={Math.round(current.slideProgress.elapsedMs)}
            >
              <Bar
                testId="slide-tiles"
                value={current.slideProgress.tilesDone / Math.max(1, current.slideProgress.tiles)}
                label={`Tile ${current.slideProgress.tilesDone} of ${current.slideProgress.tiles} · ${current.slideProgress.nuclei} nuclei so far · ${Number.isFinite(current.slideProgress.etaMs) ? `about ${duration(current.slideProgress.etaMs)} left` : 'estimating time left'}`}
              />
            </div>
          ) : null}
          {current?.stage ? (
            <Bar
              testId="stage-progress"
              value={current.stage.fraction}
              label={`${stageLabel(current.stage.stage)} (${percent(current.stage.fraction, 0)})`}
            />
          ) : null}
          <button type="button" className="button danger" onClick={cancel} data-testid="cancel">
            Cancel
          </button>
        </div>
      ) : null}
    </div>
  );
}
