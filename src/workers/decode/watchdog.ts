import { headerPixels, ImageDecodeError } from '../../core/image/decode';
import type { RgbaImage } from '../../core/image/types';
import type { DecodeReply, DecodeWorkerFactory, DecodeWorkerHandle } from './protocol';

/** From this many pixels a decode worker is stopped as soon as it has answered. */
export const BIG_DECODE_PIXELS = 16_000_000;

/** Shown when a decode is stopped: the user's one clear sentence (issue 15). */
export const DECODE_TIMEOUT_MESSAGE = 'The file could not be read in time; it may be damaged.';
export const DECODE_CRASH_MESSAGE =
  'The file could not be read: decoding it ran out of memory or crashed; it may be damaged.';
export const DECODE_START_MESSAGE =
  'The image decoder did not start in time (the computer may be very busy); please try again.';
/** How long a decode worker may take to pick up a request (its start-up), before the budget. */
export const DECODE_START_LIMIT_MS = 30_000;

/**
 * Time a healthy decode may take on a slow machine: a base plus a share per megabyte of file and
 * per megapixel the header announces (pure-JS decoders run at roughly 10–30 MP/s here; the
 * budget allows ~5× that). Capped so that even a huge file is given up within two minutes.
 */
export function decodeBudgetMs(bytes: Uint8Array): number {
  const mb = bytes.length / 1e6;
  const mp = (headerPixels(bytes) ?? 0) / 1e6;
  return Math.min(120_000, Math.round(4000 + 1500 * mb + 200 * mp));
}

export interface DecodeOptions {
  signal?: AbortSignal;
  /** Override the budget (tests); default decodeBudgetMs(bytes). */
  budgetMs?: number;
}

/**
 * Decodes images in a worker it can stop. One decode at a time; the worker is reused while it
 * behaves, terminated (and replaced on the next call) when a decode overruns its budget, crashes
 * or is cancelled, and terminated after `idleMs` without work so it holds no memory.
 */
export class DecodeWatchdog {
  private worker: DecodeWorkerHandle | null = null;
  private pending: {
    id: number;
    settle: (r: DecodeReply | { failed: string }) => void;
    started: () => void;
  } | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly createWorker: DecodeWorkerFactory,
    private readonly idleMs = 15_000,
    private readonly startLimitMs = DECODE_START_LIMIT_MS,
  ) {}

  /** Decode bytes to RGBA; rejects with ImageDecodeError (clear message) or an AbortError. */
  decode(input: Uint8Array | ArrayBuffer, options: DecodeOptions = {}): Promise<RgbaImage> {
    const run = this.queue.then(() => this.decodeNow(input, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stop the worker now (a decode in flight fails as cancelled). */
  dispose(): void {
    this.kill();
    if (this.pending) this.pending.settle({ failed: 'disposed' });
  }

  private kill(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.worker?.terminate();
    this.worker = null;
  }

  private spawn(): DecodeWorkerHandle {
    const w = this.createWorker();
    w.onReply((m) => {
      if (!this.pending || m.id !== this.pending.id) return;
      if ('started' in m) this.pending.started();
      else this.pending.settle(m);
    });
    w.onFailure((reason) => {
      if (this.worker !== w) return; // an old worker we already stopped
      this.worker = null;
      this.pending?.settle({ failed: reason });
    });
    return w;
  }

  private async decodeNow(
    input: Uint8Array | ArrayBuffer,
    options: DecodeOptions,
  ): Promise<RgbaImage> {
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    const budget = options.budgetMs ?? decodeBudgetMs(bytes);
    const big = (headerPixels(bytes) ?? 0) >= BIG_DECODE_PIXELS; // before the bytes are transferred
    const signal = options.signal;
    if (signal?.aborted) throw abortError();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.worker ??= this.spawn();
    const worker = this.worker;
    const id = this.nextId++;
    // The worker gets its own copy unless the caller handed over a whole buffer.
    const buf =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? (bytes.buffer as ArrayBuffer)
        : (bytes.slice().buffer as ArrayBuffer);

    type Outcome = DecodeReply | { failed: string } | 'timeout' | 'no-start' | 'aborted';
    const outcome = await new Promise<Outcome>((resolve) => {
      let settled = false;
      const finish = (r: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      // Until the worker picks the request up, only its start-up is timed (a fresh worker
      // loads its modules first; on a busy machine that alone can exceed a small file's
      // budget, and a good file must not be called damaged for it).
      let timer = setTimeout(() => setTimeout(() => finish('no-start'), 0), this.startLimitMs);
      // The deadline is checked again after the messages already queued: when this thread
      // was busy past the budget (the CLI analyses a slide in-process beside a decode), a
      // reply the worker sent in time still counts.
      const started = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => setTimeout(() => finish('timeout'), 0), budget);
      };
      const onAbort = (): void => finish('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = { id, settle: finish, started };
      try {
        worker.post({ id, bytes: buf });
      } catch (e) {
        finish({ failed: e instanceof Error ? e.message : String(e) });
      }
    });
    this.pending = null;

    if (
      outcome === 'timeout' ||
      outcome === 'no-start' ||
      outcome === 'aborted' ||
      'failed' in outcome
    ) {
      // Whatever the worker is doing now is unwanted: stop it; the next decode starts a fresh one.
      this.kill();
      if (outcome === 'aborted') throw abortError();
      if (outcome === 'timeout') throw new ImageDecodeError(DECODE_TIMEOUT_MESSAGE);
      if (outcome === 'no-start') throw new ImageDecodeError(DECODE_START_MESSAGE);
      if (outcome.failed === 'disposed') throw abortError();
      throw new ImageDecodeError(DECODE_CRASH_MESSAGE);
    }
    // A worker that decoded a big image holds hundreds of MB of decoder garbage until its next
    // GC (jpeg-js peaks near 30 bytes per pixel): stop it now rather than after idleMs.
    if (big) this.kill();
    else this.idleTimer = setTimeout(() => this.kill(), this.idleMs);
    // In Node an idle worker must not keep the process alive.
    (this.idleTimer as { unref?: () => void } | null)?.unref?.();
    if (!outcome.ok) throw new ImageDecodeError(outcome.message);
    return outcome.image;
  }
}

function abortError(): Error {
  const e = new Error('The decode was cancelled.');
  e.name = 'AbortError';
  return e;
}
