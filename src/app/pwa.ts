import { registerSW } from 'virtual:pwa-register';
import { MANIFEST_PATH, MODEL_CACHE_PREFIX, type ModelManifest } from '../models/manifest';
import { useStore } from './store';

const MODELS_BASE = new URL(`${import.meta.env.BASE_URL}models/`, location.origin).href;

/** Register the service worker (offline app shell + model cache) and surface updates. */
export function setupPwa(): void {
  if (!('serviceWorker' in navigator)) return;
  const update = registerSW({
    immediate: true,
    onNeedRefresh() {
      useStore.setState({
        updateAvailable: () => {
          // Workbox reloads on "controlling" for updates it found itself; an update found by the
          // browser's own check may not fire that, so reload once the new worker takes control.
          let reloading = false;
          const reload = (): void => {
            if (reloading) return;
            reloading = true;
            location.reload();
          };
          navigator.serviceWorker.addEventListener('controllerchange', reload);
          void update(true);
          // Workbox messages only a worker that is still waiting; with none left (already
          // activating, or active before this listener existed) the click would do nothing. The
          // prompt did stay after the click twice in CI (e2e "update prompt", not reproduced in
          // 32 repeats), so then reload at once: the page loads whatever version is current.
          void navigator.serviceWorker
            .getRegistration()
            .then((reg) => {
              if (!reg?.waiting) reload();
              else nudgeWaiting(reg);
            })
            .catch(reload);
        },
      });
    },
    onRegisteredSW() {
      // "Ready offline" only once the app shell is precached (service worker active) and every
      // model file is in the model cache.
      void navigator.serviceWorker.ready
        .then(() => modelsSettled())
        .then(() => warmModelCache())
        .then(() => useStore.setState({ offlineReady: true }))
        .catch(() => undefined);
    },
  });
}

/**
 * The e2e "update prompt" failure (about 1 run in 35) showed the new worker still *waiting*
 * (state "installed") 30 s after the click, the old one active. Asking the waiting worker again,
 * directly, did not prevent a recurrence with the same state (fresh-clone CI, 2026-12-07 09:20
 * UTC), so the message is probably received and activation itself held: a worker that skips
 * waiting still activates only once the active worker has no pending events (the Service Worker
 * spec's "Try Activate"). Unproven; kept until the cause is known. Once it activates,
 * "controllerchange" reloads the page.
 */
function nudgeWaiting(reg: ServiceWorkerRegistration, tries = 5, everyMs = 2000): void {
  let left = tries;
  const timer = setInterval(() => {
    const waiting = reg.waiting;
    if (!waiting || --left < 0) return clearInterval(timer);
    waiting.postMessage({ type: 'SKIP_WAITING' });
  }, everyMs);
}

/**
 * Wait for the worker's own model download to finish first: files it fetched through the service
 * worker are cached already, so the warm-up below then downloads nothing twice.
 */
function modelsSettled(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      const { phase } = useStore.getState();
      return phase === 'ready' || phase === 'failed';
    };
    if (done()) return resolve();
    const unsubscribe = useStore.subscribe(() => {
      if (done()) {
        unsubscribe();
        resolve();
      }
    });
  });
}

/**
 * On the very first visit the models are downloaded before the service worker is active, so they
 * may not be in its cache yet. Put any missing file there (same cache name the service worker
 * uses), so the next visit loads and analyses offline. Older model caches are deleted.
 */
export async function warmModelCache(): Promise<void> {
  if (!('caches' in self)) return;
  const current = __MODEL_CACHE__;
  for (const name of await caches.keys())
    if (name.startsWith(MODEL_CACHE_PREFIX) && name !== current) await caches.delete(name);
  const cache = await caches.open(current);
  const manifestUrl = MODELS_BASE + MANIFEST_PATH;
  if (!(await cache.match(manifestUrl))) await cache.add(manifestUrl);
  const res = await cache.match(manifestUrl);
  const manifest = (await res?.json()) as ModelManifest | undefined;
  for (const f of manifest?.files ?? []) {
    const url = MODELS_BASE + f.path;
    if (!(await cache.match(url))) await cache.add(url);
  }
}
