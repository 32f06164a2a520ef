import { Worker } from 'node:worker_threads';
import { encode as encodePng } from 'fast-png';
import { afterEach, describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../src/core/image/decode';
import { nodeDecodeWorker } from '../src/workers/decode/node-decode-worker';
import type { DecodeMessage, DecodeWorkerHandle } from '../src/workers/decode/protocol';
import {
  BIG_DECODE_PIXELS,
  DECODE_CRASH_MESSAGE,
  DECODE_START_MESSAGE,
  DECODE_TIMEOUT_MESSAGE,
  DecodeWatchdog,
  decodeBudgetMs,
} from '../src/workers/decode/watchdog';
import { frozenLzwTiff, png } from './support/bad-inputs';

/** A decode worker handle over a worker thread running `code` (the fakes below). */
function threadWorker(code: string): DecodeWorkerHandle & { thread: Worker } {
  const thread = new Worker(code, { eval: true });
  return {
    thread,
    post: (req) => thread.postMessage(req, [req.bytes]),
    onReply: (cb) => thread.on('message', (m: DecodeMessage) => cb(m)),
    onFailure: (cb) => thread.on('error', (e: Error) => cb(e.message)),
    terminate: () => void thread.terminate(),
  };
}

/** A worker thread that starts a decode and never answers: it spins, as a stuck decoder would. */
function spinningWorker(): DecodeWorkerHandle & { thread: Worker } {
  return threadWorker(
    'const { parentPort } = require("worker_threads"); setInterval(() => {}, 1000); parentPort.on("message", (m) => { parentPort.postMessage({ id: m.id, started: true }); for (;;) {} });',
  );
}

describe('DecodeWatchdog (issue 15)', () => {
  const watchdogs: DecodeWatchdog[] = [];
  afterEach(() => watchdogs.splice(0).forEach((w) => w.dispose()));

  it('stops a decode that spins past its budget, terminates the thread, and the next file works', async () => {
    const spawned: ReturnType<typeof spinningWorker>[] = [];
    let useReal = false;
    const wd = new DecodeWatchdog(() => {
      if (useReal) return nodeDecodeWorker();
      const w = spinningWorker();
      spawned.push(w);
      return w;
    });
    watchdogs.push(wd);
    const t0 = performance.now();
    await expect(wd.decode(png(32, 32), { budgetMs: 800 })).rejects.toThrow(DECODE_TIMEOUT_MESSAGE);
    expect(performance.now() - t0).toBeLessThan(3000);
    // The spinning thread is gone (exit fires once terminate() stopped it).
    await new Promise<void>((resolve) => {
      if (spawned[0].thread.threadId === -1) resolve();
      else spawned[0].thread.once('exit', () => resolve());
    });
    useReal = true;
    const img = await wd.decode(png(40, 30));
    expect([img.width, img.height]).toEqual([40, 30]);
  }, 30_000);

  it('a reply sent in time counts even when this thread was busy past the budget', async () => {
    const wd = new DecodeWatchdog(() => nodeDecodeWorker());
    watchdogs.push(wd);
    await wd.decode(png(20, 20)); // the worker is up
    const pending = wd.decode(png(40, 30), { budgetMs: 300 });
    await new Promise((r) => setTimeout(r, 5)); // the request is with the worker, the clock runs
    // Busy for longer than the budget (as the CLI is while it analyses a slide tile, in a
    // check-phase callback): the worker's reply and the deadline are both due afterwards.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        const until = performance.now() + 1500;
        while (performance.now() < until) {
          // spin
        }
        resolve();
      }),
    );
    const img = await pending;
    expect([img.width, img.height]).toEqual([40, 30]);
  }, 30_000);

  it('a worker that decoded a big image (≥ 16 MP) is stopped at once; the next decode gets a fresh one', async () => {
    let spawned = 0;
    const wd = new DecodeWatchdog(() => {
      spawned++;
      return nodeDecodeWorker();
    });
    watchdogs.push(wd);
    const side = Math.ceil(Math.sqrt(BIG_DECODE_PIXELS));
    const flat = encodePng({
      width: side,
      height: side,
      data: new Uint8Array(side * side).fill(200),
      channels: 1,
      depth: 8,
    });
    const big = await wd.decode(flat);
    expect(big.width * big.height).toBeGreaterThanOrEqual(BIG_DECODE_PIXELS);
    await wd.decode(png(20, 20));
    await wd.decode(png(20, 20));
    // One worker for the big image (stopped), one kept for the two small ones.
    expect(spawned).toBe(2);
  }, 60_000);

  it('decodes in a real worker thread, refuses the frozen TIFF clearly and goes on', async () => {
    const wd = new DecodeWatchdog(() => nodeDecodeWorker());
    watchdogs.push(wd);
    await expect(wd.decode(frozenLzwTiff())).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(wd.decode(frozenLzwTiff())).rejects.toThrow(/TIFF file is corrupt/);
    const img = await wd.decode(png(20, 20, { channels: 4 }));
    expect(img.data.length).toBe(20 * 20 * 4);
  }, 30_000);

  it('a cancelled decode rejects at once with an AbortError', async () => {
    const wd = new DecodeWatchdog(spinningWorker);
    watchdogs.push(wd);
    const ctl = new AbortController();
    const p = wd.decode(png(32, 32), { signal: ctl.signal, budgetMs: 60_000 });
    setTimeout(() => ctl.abort(), 100);
    const t0 = performance.now();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('a worker that dies mid-decode gives one clear sentence', async () => {
    const wd = new DecodeWatchdog(() =>
      threadWorker(
        'require("worker_threads").parentPort.on("message", () => { throw new Error("boom"); });',
      ),
    );
    watchdogs.push(wd);
    await expect(wd.decode(png(32, 32))).rejects.toThrow(DECODE_CRASH_MESSAGE);
  });

  it("the budget runs from the worker's pick-up: a slow start-up is not charged to the file", async () => {
    // A worker busy for 1.5 s before it listens (module loading on a busy machine), then quick.
    const wd = new DecodeWatchdog(() =>
      threadWorker(
        'const { parentPort } = require("worker_threads"); const t = Date.now(); while (Date.now() - t < 1500) {} parentPort.on("message", (m) => { parentPort.postMessage({ id: m.id, started: true }); parentPort.postMessage({ id: m.id, ok: true, image: { width: 1, height: 1, data: new Uint8ClampedArray(4) } }); });',
      ),
    );
    watchdogs.push(wd);
    const img = await wd.decode(png(8, 8), { budgetMs: 300 });
    expect([img.width, img.height]).toEqual([1, 1]);
  });

  it('a worker that never picks the request up gives its own message, not "damaged"', async () => {
    const wd = new DecodeWatchdog(() => threadWorker('setInterval(() => {}, 1000);'), 15_000, 500);
    watchdogs.push(wd);
    await expect(wd.decode(png(8, 8), { budgetMs: 60_000 })).rejects.toThrow(DECODE_START_MESSAGE);
  });

  it('the budget grows with file size and announced pixels, and is capped', () => {
    expect(decodeBudgetMs(png(32, 32))).toBeGreaterThanOrEqual(4000);
    expect(decodeBudgetMs(new Uint8Array(20e6))).toBeGreaterThan(
      decodeBudgetMs(new Uint8Array(1e6)),
    );
    expect(decodeBudgetMs(new Uint8Array(500e6))).toBe(120_000);
  });
});
