import { useState } from 'react';
import { BACKEND_LABELS, formatBytes, ms } from '../format';
import { useSelectedItem, useStore } from '../store';
import type { BackendName } from '../worker/protocol';

/** How `AnalysisResult.scaleSource` reads in the app. */
const SCALE_SOURCE_TEXT = {
  auto: 'estimated from the nuclei in the image',
  user: 'from your pixel size',
  file: "from the slide file's pixel size",
  default: 'model default',
} as const;

/** Everything a bug report needs: backend, adapter, timings, tensor memory, model versions. */
export function Diagnostics({ onClose }: { onClose: () => void }) {
  const backend = useStore((s) => s.backend);
  const models = useStore((s) => s.models);
  const memory = useStore((s) => s.memory);
  const refreshMemory = useStore((s) => s.refreshMemory);
  const start = useStore((s) => s.start);
  const running = useStore((s) => s.running);
  const item = useSelectedItem();
  const [copied, setCopied] = useState<string | null>(null);

  const report = {
    app: `PapLens ${__APP_VERSION__}`,
    userAgent: navigator.userAgent,
    crossOriginIsolated: self.crossOriginIsolated,
    backend,
    models,
    memory,
    lastTimings: item?.result?.timings ?? null,
    modelCache: __MODEL_CACHE__,
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(JSON.stringify(report, null, 2));
      setCopied('Report copied to the clipboard.');
    } catch {
      setCopied('The clipboard is not available; select the text below and copy it.');
    }
  };

  return (
    <section className="panel diagnostics" data-testid="diagnostics" aria-labelledby="diag-title">
      <div className="panel-head">
        <h2 id="diag-title">Diagnostics</h2>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
      <dl className="kv">
        <dt>Backend</dt>
        <dd>{backend ? BACKEND_LABELS[backend.backend] : 'starting…'}</dd>
        <dt>Adapter</dt>
        <dd>{backend?.adapter ?? '—'}</dd>
        <dt>Fallbacks</dt>
        <dd>
          {backend?.fallbacks.length
            ? backend.fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')
            : 'none'}
        </dd>
        <dt>Cross-origin isolated</dt>
        <dd>
          {String(self.crossOriginIsolated)}{' '}
          {backend?.wasmThreads
            ? `(${backend.wasmThreads} WASM thread${backend.wasmThreads > 1 ? 's' : ''})`
            : ''}
        </dd>
        <dt>tfjs</dt>
        <dd>
          {backend?.tfjsVersion ?? '—'} · init {backend ? ms(backend.initMs) : '—'}
        </dd>
        <dt>Models</dt>
        <dd>
          {models
            ? models.ready
              ? `loaded, ${formatBytes(models.totalBytes)} in ${ms(models.loadMs)}`
              : models.message
            : 'loading…'}
        </dd>
        <dt>Model versions</dt>
        <dd>
          {models && Object.keys(models.versions).length
            ? Object.entries(models.versions)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')
            : '—'}
        </dd>
        <dt>Tensors</dt>
        <dd>
          <span data-testid="tensor-count" data-value={memory?.numTensors ?? ''}>
            {memory
              ? `${memory.numTensors} tensors, ${formatBytes(memory.numBytes)}${memory.unreliable ? ' (approximate)' : ''}`
              : '—'}
          </span>{' '}
          <button type="button" className="link" onClick={() => void refreshMemory()}>
            refresh
          </button>
        </dd>
        <dt>Descriptor workers</dt>
        <dd>
          <span
            data-testid="descriptor-pool"
            data-size={memory?.descriptors?.size ?? ''}
            data-calls={memory?.descriptors?.calls ?? ''}
          >
            {memory?.descriptors
              ? memory.descriptors.failure
                ? `not used (${memory.descriptors.failure}); LBP + SURF inline, ${memory.descriptors.inlineCalls} cells`
                : `pool of ${memory.descriptors.size} (${memory.descriptors.liveWorkers} running), ${memory.descriptors.calls} cells described`
              : '—'}
          </span>
        </dd>
        <dt>Tile and CNN workers</dt>
        <dd
          data-testid="seg-tile-workers"
          data-wanted={memory?.segTiles?.wanted ?? ''}
          data-ready={memory?.segTiles?.ready ?? ''}
          data-cnn={memory?.segTiles?.cnn ?? ''}
          data-idle={memory?.segTiles?.idle ? 'stopped' : ''}
        >
          {memory?.segTiles
            ? memory.segTiles.wanted === 0
              ? 'none (tiles and CNNs run in the analysis worker)'
              : memory.segTiles.idle
                ? `stopped after ${formatIdle(memory.segTiles.idleStopS)} without an analysis, to free their memory; the next image starts them again`
                : `${memory.segTiles.ready} of ${memory.segTiles.wanted} running, ${memory.segTiles.cnn === null ? 'CNNs loading' : `${memory.segTiles.cnn} with the CNNs`}${memory.segTiles.failure ? ` (${memory.segTiles.failure})` : ''}`
            : '—'}
        </dd>
        <dt>Scale</dt>
        <dd data-testid="diag-scale" data-scale-source={item?.result?.scaleSource ?? ''}>
          {item?.result
            ? `×${item.result.scale.toFixed(3)} to the working scale (${SCALE_SOURCE_TEXT[item.result.scaleSource]}), ${item.result.mode} mode`
            : '—'}
        </dd>
        <dt>Last image timings</dt>
        <dd>
          {item?.result?.timings.length ? (
            <ul className="timings">
              {item.result.timings.map((t) => (
                <li key={t.stage}>
                  {t.stage}: {ms(t.ms)}
                </li>
              ))}
            </ul>
          ) : (
            '—'
          )}
        </dd>
        <dt>App</dt>
        <dd>
          {__APP_VERSION__} · model cache {__MODEL_CACHE__}
        </dd>
      </dl>
      <div className="control-row">
        <label htmlFor="backend-choice">Try another backend</label>
        <select
          id="backend-choice"
          value={backend?.backend ?? ''}
          disabled={running}
          onChange={(e) => void start(e.currentTarget.value as BackendName)}
        >
          <option value="webgpu">WebGPU</option>
          <option value="webgl">WebGL</option>
          <option value="wasm">WASM</option>
          {backend?.backend === 'none' ? <option value="">none</option> : null}
        </select>
      </div>
      <button
        type="button"
        className="button primary"
        onClick={() => void copy()}
        data-testid="copy-report"
      >
        Copy report
      </button>
      {copied ? <p role="status">{copied}</p> : null}
    </section>
  );
}

function formatIdle(s: number): string {
  return s >= 60 && s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}
