import * as Comlink from 'comlink';
import type { AnalysisWorkerApi } from './worker/protocol';

export type WorkerRemote = Comlink.Remote<AnalysisWorkerApi>;

/** Owns the analysis worker; `restart()` is how a running analysis is cancelled for sure. */
export class AnalysisClient {
  private worker: Worker | null = null;
  private remote: WorkerRemote | null = null;
  private crashListeners = new Set<(reason: string) => void>();

  /**
   * Called when the worker dies or throws outside any call (e.g. the engine aborts): pending
   * Comlink calls would otherwise never settle and the image would stay "analysing" for ever.
   */
  onCrash(listener: (reason: string) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  get api(): WorkerRemote {
    if (!this.remote) {
      this.worker = new Worker(new URL('./worker/analysis.worker.ts', import.meta.url), {
        type: 'module',
        name: 'paplens-analysis',
      });
      const worker = this.worker;
      worker.addEventListener('error', (ev: ErrorEvent) => {
        if (worker !== this.worker) return; // an old, already replaced worker
        ev.preventDefault();
        const reason = ev.message || 'unknown error';
        for (const l of this.crashListeners) l(reason);
      });
      this.remote = Comlink.wrap<AnalysisWorkerApi>(this.worker);
    }
    return this.remote;
  }

  /** Kill the worker (aborting any in-flight call) so the next `api` access starts a fresh one. */
  restart(): void {
    this.remote?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
  }
}

export const client = new AnalysisClient();
export { Comlink };
