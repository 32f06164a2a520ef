import { transfer, wrap, type Endpoint, type Remote } from 'comlink';
import type { Vocabulary } from '../core/features/bof';
import type { CellDescriptors, DescribeCellOptions } from '../core/features/describe-cell';
import type { RgbaImage } from '../core/image/types';
import type { DescribeRequest, DescriptorWorkerApi } from './descriptor-api';

/** A started worker as the pool sees it (browser Worker or node:worker_threads). */
export interface WorkerHandle {
  endpoint: Endpoint;
  /** Register the callback for a crash / unexpected exit / undecodable message. */
  onFailure(cb: (message: string) => void): void;
  terminate(): void;
}

export interface DescriptorPoolOptions {
  vocabulary: Vocabulary;
  /** Number of workers; default navigator.hardwareConcurrency (2 when unknown). */
  size?: number;
  /** Terminate a worker after this long without work (ms); 0 keeps workers. Default 30 s. */
  idleTimeoutMs?: number;
  /** Worker factory; default: the bundled browser module worker. */
  createWorker?: () => WorkerHandle;
  /** Descriptor options applied to every call. */
  describeOptions?: DescribeCellOptions;
}

export interface DescriptorPool {
  readonly size: number;
  /**
   * Describe one cell crop in a worker. The crop's (and mask's) pixel buffers are transferred:
   * they are detached afterwards, copy them first if still needed. Rejects with an AbortError
   * when `signal` aborts (a running computation is stopped by terminating its worker).
   */
  describe(
    crop: RgbaImage,
    mask?: Uint8Array,
    signal?: AbortSignal,
    /** Overrides the pool's `describeOptions` for this call. */
    describeOptions?: DescribeCellOptions,
  ): Promise<CellDescriptors>;
  /** Number of live workers (diagnostics, tests). */
  liveWorkers(): number;
  /** Stop all workers; pending calls reject. */
  terminate(): void;
}

interface Task {
  request: DescribeRequest;
  signal?: AbortSignal;
  resolve(v: CellDescriptors): void;
  reject(e: unknown): void;
  onAbort?: () => void;
}

interface Slot {
  handle: WorkerHandle;
  remote: Remote<DescriptorWorkerApi>;
  ready: Promise<void>;
  task: Task | null;
  idleTimer: ReturnType<typeof setTimeout> | null;
  dead: boolean;
}

function defaultSize(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return Math.max(1, Math.floor(n ?? 2));
}

function browserWorker(): WorkerHandle {
  return webWorkerHandle(
    new Worker(new URL('./descriptor.worker.ts', import.meta.url), {
      type: 'module',
      name: 'paplens-descriptors',
    }),
  );
}

/** Wrap a Web Worker speaking Comlink (the `new Worker(new URL(…))` stays at the call site for Vite). */
export function webWorkerHandle(w: Worker): WorkerHandle {
  return {
    endpoint: w,
    onFailure(cb) {
      w.addEventListener('error', (e) => {
        e.preventDefault();
        cb(e.message || 'the worker script failed');
      });
      w.addEventListener('messageerror', () =>
        cb('a message from the worker could not be decoded'),
      );
    },
    terminate: () => w.terminate(),
  };
}

function abortError(): Error {
  return new DOMException('The descriptor computation was cancelled.', 'AbortError');
}

/** A transferable copy-free buffer when possible: whole, non-shared buffers only. */
function ownBuffer<T extends Uint8Array | Uint8ClampedArray>(a: T): T {
  const whole = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
  return whole && a.buffer instanceof ArrayBuffer ? a : (a.slice() as T);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Pool of descriptor workers (LBP + SURF BoF): lazily started up to `size`, fed from a FIFO
 * queue, idle workers terminated after `idleTimeoutMs`, crashed or cancelled workers replaced.
 */
export function createDescriptorPool(options: DescriptorPoolOptions): DescriptorPool {
  const size = Math.max(1, Math.floor(options.size ?? defaultSize()));
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const factory = options.createWorker ?? browserWorker;
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let closed = false;

  function retire(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slots.splice(slots.indexOf(slot), 1);
    slot.handle.terminate();
  }

  function settle(task: Task): void {
    if (task.onAbort) task.signal?.removeEventListener('abort', task.onAbort);
  }

  function startSlot(): Slot {
    const handle = factory();
    const remote = wrap<DescriptorWorkerApi>(handle.endpoint);
    const slot: Slot = {
      handle,
      remote,
      ready: Promise.resolve(),
      task: null,
      idleTimer: null,
      dead: false,
    };
    handle.onFailure((message) => {
      if (slot.dead) return;
      const task = slot.task;
      retire(slot);
      if (task) {
        settle(task);
        task.reject(new Error(`The descriptor worker stopped unexpectedly: ${message}.`));
      }
      pump();
    });
    slot.ready = remote.init(options.vocabulary);
    // A failed init surfaces through the first describe on this slot; avoid an unhandled rejection.
    slot.ready.catch(() => undefined);
    slots.push(slot);
    return slot;
  }

  function run(slot: Slot, task: Task): void {
    slot.task = task;
    if (slot.idleTimer) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = null;
    }
    const req = task.request;
    const buffers: ArrayBuffer[] = [req.pixels.buffer as ArrayBuffer];
    if (req.mask) buffers.push(req.mask.buffer as ArrayBuffer);
    slot.ready
      .then(() => slot.remote.describe(transfer(req, buffers)))
      .then(
        (out) => {
          if (slot.task !== task) return; // aborted or crashed meanwhile
          slot.task = null;
          settle(task);
          task.resolve(out);
          release(slot);
        },
        (e: unknown) => {
          if (slot.task !== task) return;
          slot.task = null;
          settle(task);
          task.reject(new Error(`Cell descriptors failed: ${errorMessage(e)}`));
          release(slot);
        },
      );
  }

  function release(slot: Slot): void {
    if (slot.dead) return;
    pump();
    if (!slot.task && idleMs > 0 && !slot.idleTimer) {
      slot.idleTimer = setTimeout(() => {
        if (!slot.task) retire(slot);
      }, idleMs);
    }
  }

  function pump(): void {
    while (queue.length > 0 && !closed) {
      let slot = slots.find((s) => !s.task && !s.dead);
      if (!slot) {
        if (slots.length >= size) return;
        slot = startSlot();
      }
      run(slot, queue.shift()!);
    }
  }

  return {
    size,
    liveWorkers: () => slots.length,
    describe(crop, mask, signal, describeOptions) {
      if (closed) return Promise.reject(new Error('The descriptor pool was terminated.'));
      if (signal?.aborted) return Promise.reject(abortError());
      if (crop.data.length !== crop.width * crop.height * 4) {
        return Promise.reject(
          new Error('The cell crop is empty or its pixel buffer does not match its size.'),
        );
      }
      return new Promise<CellDescriptors>((resolve, reject) => {
        const task: Task = {
          request: {
            width: crop.width,
            height: crop.height,
            pixels: ownBuffer(crop.data),
            mask: mask ? ownBuffer(mask) : undefined,
            options: describeOptions ?? options.describeOptions,
          },
          signal,
          resolve,
          reject,
        };
        if (signal) {
          task.onAbort = () => {
            const qi = queue.indexOf(task);
            if (qi >= 0) queue.splice(qi, 1);
            const slot = slots.find((s) => s.task === task);
            // A synchronous computation cannot be interrupted: drop its worker instead.
            if (slot) {
              slot.task = null;
              retire(slot);
            }
            settle(task);
            reject(abortError());
            pump();
          };
          signal.addEventListener('abort', task.onAbort, { once: true });
        }
        queue.push(task);
        pump();
      });
    },
    terminate() {
      closed = true;
      const pending = [...queue, ...slots.map((s) => s.task).filter((t): t is Task => !!t)];
      queue.length = 0;
      for (const s of [...slots]) {
        s.task = null;
        retire(s);
      }
      for (const t of pending) {
        settle(t);
        t.reject(new Error('The descriptor pool was terminated.'));
      }
    },
  };
}
