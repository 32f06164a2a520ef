import { describe, expect, it } from 'vitest';
import { idleStopped, type Timers } from '../src/app/worker/idle-stop';

/** Timers advanced by hand. */
function manualTimers(): Timers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let id = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    set: (fn, ms) => (due.set(++id, { at: now + ms, fn }), id),
    clear: (h) => void due.delete(h as number),
    advance(ms) {
      now += ms;
      for (const [k, t] of [...due].sort((a, b) => a[1].at - b[1].at))
        if (t.at <= now) {
          due.delete(k);
          t.fn();
        }
    },
    pending: () => due.size,
  };
}
const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Helpers numbered 1, 2, … by start; `stopped` lists those stopped. */
function counting(timers: Timers, idleMs = 1000) {
  const c = { started: 0, stopped: [] as number[] };
  const h = idleStopped(
    async () => ++c.started,
    (n) => c.stopped.push(n),
    idleMs,
    timers,
  );
  return Object.assign(c, { h });
}

describe('idleStopped: helper workers stopped when unused, started again when needed', () => {
  it('stops after the idle time, never during an analysis, and starts again with the next', async () => {
    const timers = manualTimers();
    const { h, stopped } = counting(timers);
    expect(h.state()).toBe('starting');
    await flush();
    expect(h.state()).toBe('running');
    expect(h.current()).toBe(1);

    // An analysis longer than the idle time keeps them.
    h.begin();
    timers.advance(5000);
    expect(stopped).toEqual([]);
    h.end();
    timers.advance(999);
    expect(stopped).toEqual([]);
    // Idle for the full time: stopped, memory given back.
    timers.advance(1);
    expect(stopped).toEqual([1]);
    expect(h.state()).toBe('stopped');
    expect(h.current()).toBeNull();
    expect(h.idleStops()).toBe(1);

    // The next analysis starts them again (it does not wait for them).
    h.begin();
    expect(h.state()).toBe('starting');
    await flush();
    expect(h.current()).toBe(2);
    h.end();
    timers.advance(1000);
    expect(stopped).toEqual([1, 2]);
    h.dispose();
    expect(timers.pending()).toBe(0);
  });

  it('dispose stops running helpers, and helpers that finish starting afterwards', async () => {
    const timers = manualTimers();
    const stopped: string[] = [];
    let release: (v: string) => void = () => undefined;
    const h = idleStopped(
      () => new Promise<string>((r) => (release = r)),
      (s) => stopped.push(s),
      1000,
      timers,
    );
    h.dispose();
    release('late');
    await flush();
    expect(stopped).toEqual(['late']);
    expect(h.current()).toBeNull();
  });

  it('a failed start leaves them stopped; the next analysis tries again', async () => {
    const timers = manualTimers();
    let tries = 0;
    const h = idleStopped(
      async () => {
        if (++tries === 1) throw new Error('no nested workers');
        return tries;
      },
      () => undefined,
      1000,
      timers,
    );
    await flush();
    expect(h.state()).toBe('stopped');
    expect(h.idleStops()).toBe(0);
    h.begin();
    await flush();
    expect(h.current()).toBe(2);
    h.end();
    h.dispose();
  });

  it('started(): waits for a start in progress (or its failure), at most the timeout; at once otherwise', async () => {
    const timers = manualTimers();
    let release: (v: number) => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    let tries = 0;
    const h = idleStopped(
      () =>
        new Promise<number>((res, rej) => {
          tries++;
          release = res;
          fail = rej;
        }),
      () => undefined,
      1000,
      timers,
    );
    let done = false;
    const waiting = h.started(5000).then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    release(1);
    await waiting;
    expect(h.current()).toBe(1);
    // Running: nothing to wait for, and no timer is left behind.
    await h.started(5000);
    expect(timers.pending()).toBe(1); // the idle stop only
    timers.advance(1000);
    expect(h.state()).toBe('stopped');
    await h.started(5000);

    // A start that hangs: the wait ends at the timeout.
    h.begin();
    expect(tries).toBe(2);
    done = false;
    const hung = h.started(5000).then(() => (done = true));
    timers.advance(4999);
    await flush();
    expect(done).toBe(false);
    timers.advance(1);
    await hung;
    expect(h.state()).toBe('starting');
    // A start that fails ends the wait too.
    const failing = h.started(5000);
    fail(new Error('no nested workers'));
    await failing;
    expect(h.state()).toBe('stopped');
    h.end();
    h.dispose();
  });

  it('wake(): stopped helpers start again before any analysis; running ones get a fresh idle period', async () => {
    const timers = manualTimers();
    const { h, stopped } = counting(timers);
    await flush();
    timers.advance(600);
    h.wake(); // a file dragged over the page: the idle clock starts again
    timers.advance(600);
    expect(stopped).toEqual([]);
    timers.advance(400);
    expect(stopped).toEqual([1]);
    // Stopped: waking starts them, with no analysis begun.
    h.wake();
    expect(h.state()).toBe('starting');
    await flush();
    expect(h.current()).toBe(2);
    // Waking while they start does not start a second set.
    h.dispose();
    const d = counting(timers);
    d.h.wake();
    await flush();
    expect(d.started).toBe(1);
    // Disposed: nothing starts any more.
    d.h.dispose();
    d.h.wake();
    await flush();
    expect(d.started).toBe(1);
  });
});
