import * as Comlink from 'comlink';
import type { SlideReaderApi } from './reader-protocol';

let remote: Comlink.Remote<SlideReaderApi> | null = null;

/** The slide reader worker, started on first use (most sessions never open a slide). */
export function slideReader(): Comlink.Remote<SlideReaderApi> {
  if (!remote) {
    const worker = new Worker(new URL('../worker/slide-reader.worker.ts', import.meta.url), {
      type: 'module',
      name: 'paplens-slide-reader',
    });
    remote = Comlink.wrap<SlideReaderApi>(worker);
  }
  return remote;
}
