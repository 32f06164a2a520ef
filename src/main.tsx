import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { setupPwa } from './app/pwa';
import { useStore } from './app/store';
import type { BackendName } from './app/worker/protocol';
import './app/styles.css';

// ?backend=webgpu|webgl|wasm forces the first backend tried (for diagnostics and tests).
const requested = new URLSearchParams(location.search).get('backend');
const preferred: BackendName | null =
  requested === 'webgpu' || requested === 'webgl' || requested === 'wasm' ? requested : null;

// ?segWorkers=N sets the number of segmentation tile workers (0 = none; for A/B benches).
const segParam = new URLSearchParams(location.search).get('segWorkers');
const segWorkers = segParam !== null && /^\d+$/.test(segParam) ? Number(segParam) : null;
// ?idleWorkersS=N stops those workers after N s without an analysis (default 5 min; for tests).
const idleParam = new URLSearchParams(location.search).get('idleWorkersS');
const idleStopS = idleParam !== null && /^\d+$/.test(idleParam) ? Number(idleParam) : null;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

void useStore.getState().start(preferred, segWorkers, idleStopS);
setupPwa();
