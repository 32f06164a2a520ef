/**
 * Helper workers that stop when unused, as Squoosh's do: the tile/CNN workers hold ~0.5 GB each
 * (a WASM heap grown to a 512² tile's activations, copies of the networks), so after `idleMs`
 * without an analysis they are terminated, and the next analysis starts them again in the
 * background. An analysis never waits for them: until they run, it computes everything itself
 * (the same results, src/core/util/run-shared.ts).
 */
export type IdleState = 'starting' | 'running' | 'stopped';

export interface IdleStopped<T> {
  /** An analysis starts: no stop while it runs; helpers stopped for idleness start again. */
  begin(): void;
  /** That analysis ended (however): the idle clock starts when none is left running. */
  end(): void;
  /**
   * An image is probably coming (a file dragged over the page, the file picker opened): helpers
   * stopped for idleness start again now, and running ones get a fresh idle period.
   */
  wake(): void;
  /** The running helpers (null while starting or stopped). */
  current(): T | null;
  /**
   * Resolves once a start in progress has ended (running, or failed), at once when none is; or
   * after `timeoutMs`, whichever comes first. An analysis large enough to use the helpers waits
   * here rather than compete with their start for the same cores (docs/PERFORMANCE.md,
   * *The first image*).
   */
  started(timeoutMs: number): Promise<void>;
  state(): IdleState;
  /** How many times they were stopped for idleness. */
  idleStops(): number;
  dispose(): void;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Five minutes: restarting costs ~2–3 s of both cores, so images dropped one after another keep them. */
export const DEFAULT_IDLE_STOP_MS = 5 * 60_000;

export function idleStopped<T>(
  start: () => Promise<T>,
  stop: (helpers: T) => void,
  idleMs: number = DEFAULT_IDLE_STOP_MS,
  timers: Timers = realTimers,
): IdleStopped<T> {
  let state: IdleState = 'stopped';
  let helpers: T | null = null;
  let busy = 0;
  let timer: unknown = null;
  let stops = 0;
  let disposed = false;
  let starting: Promise<void> = Promise.resolve();

  const disarm = (): void => {
    if (timer !== null) timers.clear(timer);
    timer = null;
  };
  const arm = (): void => {
    disarm();
    if (busy > 0 || disposed) return;
    timer = timers.set(() => {
      timer = null;
      if (busy > 0 || state !== 'running' || helpers === null) return;
      const h = helpers;
      helpers = null;
      state = 'stopped';
      stops++;
      stop(h);
    }, idleMs);
  };
  const launch = (): void => {
    state = 'starting';
    starting = start().then(
      (h) => {
        if (disposed) return stop(h);
        helpers = h;
        state = 'running';
        arm();
      },
      // A failed start leaves the analysis to this thread; the next analysis tries again.
      () => {
        state = 'stopped';
      },
    );
  };
  launch();
  return {
    begin() {
      busy++;
      disarm();
      if (state === 'stopped' && !disposed) launch();
    },
    end() {
      busy = Math.max(0, busy - 1);
      if (busy === 0 && state === 'running') arm();
    },
    wake() {
      if (disposed) return;
      if (state === 'stopped') launch();
      else if (state === 'running') arm();
    },
    current: () => helpers,
    started(timeoutMs) {
      if (state !== 'starting') return Promise.resolve();
      let timer: unknown = null;
      return Promise.race([
        starting,
        new Promise<void>((resolve) => (timer = timers.set(resolve, timeoutMs))),
      ]).finally(() => timers.clear(timer));
    },
    state: () => state,
    idleStops: () => stops,
    dispose() {
      disposed = true;
      disarm();
      if (helpers !== null) stop(helpers);
      helpers = null;
    },
  };
}
