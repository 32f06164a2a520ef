import { isSetAside } from '../draw';
import { BACKEND_LABELS, stageLabel } from '../format';
import { useStore } from '../store';

type StatusState = 'starting' | 'loading' | 'busy' | 'ready' | 'no-model' | 'done' | 'failed';

/** One plain sentence saying what the app is doing (data-state is for tests and styling). */
export function StatusLine() {
  const phase = useStore((s) => s.phase);
  const models = useStore((s) => s.models);
  const running = useStore((s) => s.running);
  const items = useStore((s) => s.items);
  const batch = useStore((s) => s.batch);
  let text: string;
  let state: StatusState;
  const current = items.find((it) => it.status === 'decoding' || it.status === 'analysing');
  const done = items.filter((it) => it.status === 'done');
  if (phase === 'failed') {
    state = 'failed';
    text = 'The analysis engine could not start in this browser.';
  } else if (running && batch) {
    state = 'busy';
    text = `Working on image ${Math.min(batch.done + 1, batch.total)} of ${batch.total}${current?.stage ? ` — ${stageLabel(current.stage.stage).toLowerCase()}` : ''}…`;
  } else if (phase === 'starting') {
    state = 'starting';
    text = 'Starting the analysis engine…';
  } else if (phase === 'loading-models') {
    state = 'loading';
    text = 'Loading models…';
  } else if (!models?.ready) {
    state = 'no-model';
    text = `${models?.message ?? 'No trained model is present.'}`;
  } else if (done.length > 0) {
    state = 'done';
    const all = done.flatMap((it) => it.result?.nuclei ?? []);
    // Worded as the summary panels: objects set aside as Other are outlined, not counted as nuclei.
    const setAside = all.filter(isSetAside).length;
    const images = `${done.length} ${done.length === 1 ? 'image' : 'images'} analysed`;
    text =
      setAside > 0
        ? `Done — ${images}, ${all.length} objects outlined (${setAside} set aside as Other).`
        : `Done — ${images}, ${all.length} ${all.length === 1 ? 'nucleus' : 'nuclei'} found.`;
  } else {
    state = 'ready';
    text = 'Ready — drop, paste or choose images.';
  }
  return (
    <p className="status" data-testid="status" data-state={state} role="status" aria-live="polite">
      {text}
    </p>
  );
}

export function BackendBadge() {
  const backend = useStore((s) => s.backend);
  const label = backend ? BACKEND_LABELS[backend.backend] : '…';
  return (
    <span
      className={`badge backend-${backend?.backend ?? 'pending'}`}
      title={backend ? `tfjs backend: ${backend.adapter}` : 'Starting tfjs'}
    >
      Backend:{' '}
      <strong data-testid="backend" data-backend={backend?.backend ?? ''}>
        {label}
      </strong>
    </span>
  );
}
