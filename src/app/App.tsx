import { useEffect, useState } from 'react';
import { BackendBadge, StatusLine } from './components/StatusLine';
import { Controls } from './components/Controls';
import { Diagnostics } from './components/Diagnostics';
import { Exports } from './components/Exports';
import { EmptyState, FilePicker, GlobalDropTarget } from './components/Input';
import { NucleusPanel } from './components/NucleusPanel';
import { ProgressArea } from './components/Progress';
import { ResultNotes } from './components/ResultNotes';
import { ResultsTable } from './components/ResultsTable';
import { ClassCounts, Gallery } from './components/Summary';
import { SlideSummary } from './components/SlideSummary';
import { SlideViewer } from './components/SlideViewer';
import { Viewer } from './components/Viewer';
import { useSelectedItem, useStore } from './store';

function Logo() {
  return (
    <svg viewBox="0 0 32 32" width="30" height="30" aria-hidden="true">
      <circle cx="16" cy="16" r="14" fill="#1f4e79" />
      <circle cx="16" cy="16" r="9" fill="#dbe7f3" />
      <circle cx="18" cy="14" r="4" fill="#b24a00" />
    </svg>
  );
}

export function App() {
  const item = useSelectedItem();
  const items = useStore((s) => s.items);
  const error = useStore((s) => s.error);
  const models = useStore((s) => s.models);
  const phase = useStore((s) => s.phase);
  const updateAvailable = useStore((s) => s.updateAvailable);
  const offlineReady = useStore((s) => s.offlineReady);
  const clear = useStore((s) => s.clear);
  const [showDiagnostics, setShowDiagnostics] = useState(false);
  const batchNuclei = items.flatMap((it) => it.result?.nuclei ?? []);
  const analysed = items.filter((it) => it.result).length;

  useEffect(() => {
    document.title = item ? `${item.name} — PapLens` : 'PapLens — cervical cytology assistant';
  }, [item]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <GlobalDropTarget />
      <header className="topbar">
        <div className="brand">
          <Logo />
          <div>
            <h1>PapLens</h1>
            <p className="tagline">
              Nucleus outlines and Bethesda-class probabilities for Pap-smear images
            </p>
          </div>
        </div>
        <div className="topbar-right">
          <BackendBadge />
          <FilePicker label="Add images…" />
          <button
            type="button"
            className="button"
            aria-expanded={showDiagnostics}
            onClick={() => setShowDiagnostics((v) => !v)}
          >
            Diagnostics
          </button>
        </div>
      </header>

      <div className="notices" role="note">
        <span className="notice research">
          <strong>Decision support for research use — not a diagnosis.</strong> A qualified
          cytologist must review every case.
        </span>
        <span className="notice privacy">
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" className="lock">
            <rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor" />
            <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
          </svg>{' '}
          <strong>Images never leave this device:</strong> all analysis runs in your browser, with
          no upload.
        </span>
      </div>

      {updateAvailable ? (
        <div className="banner update" role="alert">
          A new version of PapLens is available.{' '}
          <button type="button" className="button primary" onClick={updateAvailable}>
            Reload to update
          </button>
        </div>
      ) : null}
      {phase === 'ready' && models && !models.ready ? (
        <div className="banner warn" data-testid="model-missing" role="alert">
          <strong>No analysis available.</strong> {models.message}
        </div>
      ) : null}

      {phase === 'ready' && models?.ready && models.missing.length ? (
        <div className="banner info" data-testid="model-partial" role="note">
          <strong>Some models are not shipped with this build</strong>, so results are partial:{' '}
          {models.missing.join('; ')}.
        </div>
      ) : null}

      <main id="main" className="layout">
        <div className="status-row">
          <StatusLine />
          <ProgressArea />
          {error ? (
            <p className="error" data-testid="error-message" role="alert">
              {error}
            </p>
          ) : null}
        </div>

        {showDiagnostics ? <Diagnostics onClose={() => setShowDiagnostics(false)} /> : null}

        {items.length === 0 ? (
          <EmptyState />
        ) : (
          <>
            <div className="workspace">
              <div className="viewer-column">
                <div className="viewer-title">
                  <h2>{item?.name ?? 'No image selected'}</h2>
                  {item?.slide ? (
                    <span className="badge">whole slide</span>
                  ) : item?.mode ? (
                    <span className="badge">{item.mode === 'cell' ? 'single cell' : 'field'}</span>
                  ) : null}
                  <button type="button" className="link clear" onClick={clear}>
                    Clear all
                  </button>
                </div>
                {item?.slide ? (
                  <SlideViewer key={item.id} item={item} />
                ) : item ? (
                  <Viewer key={item.id} item={item} />
                ) : null}
                {item ? <ResultNotes item={item} /> : null}
              </div>
              <aside className="side-column" aria-label="Results for this image">
                {item?.slide ? <SlideSummary item={item} /> : null}
                {item?.result ? <NucleusPanel result={item.result} /> : null}
                {item?.result ? (
                  <ClassCounts nuclei={item.result.nuclei} title="This image" />
                ) : null}
                <Controls />
                <Exports />
              </aside>
            </div>
            <div className="batch-row">
              {analysed > 1 ? (
                <ClassCounts
                  nuclei={batchNuclei}
                  title={`All ${analysed} images`}
                  countTestId="batch-nucleus-count"
                />
              ) : null}
              <Gallery items={items} />
            </div>
            <ResultsTable />
          </>
        )}
      </main>
      <footer className="footer">
        <p>
          PapLens {__APP_VERSION__}
          {offlineReady ? (
            <>
              {' · '}
              <span data-testid="offline-ready">app and models saved for offline use</span>
            </>
          ) : null}{' '}
          · Classes follow the Bethesda system (NILM, ASC-US, LSIL, ASC-H, HSIL, SCC). Probabilities
          are model outputs, not clinical findings.
        </p>
      </footer>
    </div>
  );
}
