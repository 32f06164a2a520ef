import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { Vocabulary } from '../src/core/features/bof';
import { describeCell } from '../src/core/features/describe-cell';
import { DEFAULT_SURF_OPTIONS } from '../src/core/features/surf/index';
import type { RgbaImage } from '../src/core/image/types';
import { mulberry32 } from '../src/core/util/random';
import { createDescriptorPool, type DescriptorPool } from '../src/workers/descriptor-pool';
import { nodeDescriptorWorker, workerThreadHandle } from '../src/workers/node-worker';

/** Small random vocabulary: the tests check plumbing, not the trained words. */
function vocabulary(k = 8): Vocabulary {
  const r = mulberry32(11);
  const centroids = new Float32Array(k * 128);
  for (let i = 0; i < k; i++) {
    let n = 0;
    for (let j = 0; j < 128; j++) n += (centroids[i * 128 + j] = r() - 0.5) ** 2;
    for (let j = 0; j < 128; j++) centroids[i * 128 + j] /= Math.sqrt(n);
  }
  return {
    k,
    dim: 128,
    centroids,
    extraction: { upscale: 1, surf: { ...DEFAULT_SURF_OPTIONS, threshold: 0.0002 } },
  };
}

/** A 96×96 "cell": dark textured nucleus on a lighter ground. */
function cell(seed: number, size = 96): RgbaImage {
  const r = mulberry32(seed);
  const data = new Uint8ClampedArray(size * size * 4);
  const blobs = Array.from({ length: 12 }, () => ({
    x: r() * size,
    y: r() * size,
    s: 2 + r() * 6,
    a: (r() - 0.5) * 160,
  }));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 190 - 90 * Math.exp(-((x - 48) ** 2 + (y - 48) ** 2) / (2 * 12 * 12));
      for (const b of blobs)
        v += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.s * b.s));
      const o = 4 * (y * size + x);
      data[o] = v;
      data[o + 1] = v * 0.9;
      data[o + 2] = v * 1.05;
      data[o + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

const copy = (c: RgbaImage): RgbaImage => ({ ...c, data: c.data.slice() });

let pool: DescriptorPool | null = null;
afterEach(() => {
  pool?.terminate();
  pool = null;
});

describe('describeCell (the function the workers and Node both run)', () => {
  it('gives a 256-bin LBP and an L1-normalised BoF, or all zeros without keypoints', () => {
    const v = vocabulary();
    const a = describeCell(cell(1), undefined, v);
    expect(a.lbp.length).toBe(256);
    expect(a.bof.length).toBe(8);
    expect(a.keypoints).toBeGreaterThan(0);
    expect(a.bof.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
    const flat: RgbaImage = {
      width: 96,
      height: 96,
      data: new Uint8ClampedArray(96 * 96 * 4).fill(200),
    };
    const b = describeCell(flat, undefined, v);
    expect(b.keypoints).toBe(0);
    expect(Array.from(b.bof).every((x) => x === 0)).toBe(true);
    expect(b.lbp[255]).toBe(1);
  });

  it('restricts LBP to the mask', () => {
    const v = vocabulary();
    const mask = new Uint8Array(96 * 96);
    for (let y = 36; y < 60; y++) for (let x = 36; x < 60; x++) mask[y * 96 + x] = 1;
    const whole = describeCell(cell(2), undefined, v);
    const nucleus = describeCell(cell(2), mask, v);
    expect(nucleus.lbp.some((x, i) => Math.abs(x - whole.lbp[i]) > 1e-3)).toBe(true);
    expect(Array.from(nucleus.bof)).toEqual(Array.from(whole.bof));
    expect(() => describeCell(cell(2), new Uint8Array(10), v)).toThrow(/mask has 10 pixels/);
  });
});

describe('descriptor worker pool (Comlink over node:worker_threads)', () => {
  it('returns exactly what describeCell returns, in parallel, transferring the pixels', async () => {
    const v = vocabulary();
    pool = createDescriptorPool({ vocabulary: v, size: 2, createWorker: nodeDescriptorWorker });
    const crops = [1, 2, 3, 4, 5].map((s) => cell(s));
    const expected = crops.map((c) => describeCell(copy(c), undefined, v));
    const results = await Promise.all(crops.map((c) => pool!.describe(c)));
    expect(pool.liveWorkers()).toBeLessThanOrEqual(2);
    results.forEach((r, i) => {
      expect(Array.from(r.lbp)).toEqual(Array.from(expected[i].lbp));
      expect(Array.from(r.bof)).toEqual(Array.from(expected[i].bof));
      expect(r.keypoints).toBe(expected[i].keypoints);
    });
    // Transferred, not copied: the caller's buffers are detached.
    for (const c of crops) expect(c.data.byteLength).toBe(0);
  });

  it('propagates worker errors as clear messages and keeps working', async () => {
    pool = createDescriptorPool({
      vocabulary: vocabulary(),
      size: 1,
      createWorker: nodeDescriptorWorker,
    });
    await expect(pool.describe(cell(1), new Uint8Array(7))).rejects.toThrow(
      /Cell descriptors failed: The nucleus mask has 7 pixels/,
    );
    const ok = await pool.describe(cell(1));
    expect(ok.lbp.length).toBe(256);
  });

  it('cancels queued and running calls with an AbortError and recovers', async () => {
    pool = createDescriptorPool({
      vocabulary: vocabulary(),
      size: 1,
      createWorker: nodeDescriptorWorker,
    });
    const running = new AbortController();
    const queued = new AbortController();
    const p1 = pool.describe(cell(1, 400), undefined, running.signal);
    const p2 = pool.describe(cell(2), undefined, queued.signal);
    queued.abort();
    await expect(p2).rejects.toMatchObject({ name: 'AbortError' });
    running.abort();
    await expect(p1).rejects.toMatchObject({ name: 'AbortError' });
    expect(pool.liveWorkers()).toBe(0); // the busy worker was terminated
    const pre = new AbortController();
    pre.abort();
    await expect(pool.describe(cell(3), undefined, pre.signal)).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect((await pool.describe(cell(3))).keypoints).toBeGreaterThan(0);
  });

  it('reports a crashed worker instead of hanging', async () => {
    pool = createDescriptorPool({
      vocabulary: vocabulary(),
      size: 1,
      createWorker: () => workerThreadHandle(new Worker('process.exit(3)', { eval: true })),
    });
    await expect(pool.describe(cell(1))).rejects.toThrow(
      /stopped unexpectedly: the worker exited with code 3/,
    );
  });

  it('terminates idle workers and rejects calls after terminate()', async () => {
    pool = createDescriptorPool({
      vocabulary: vocabulary(),
      size: 2,
      idleTimeoutMs: 150,
      createWorker: nodeDescriptorWorker,
    });
    await pool.describe(cell(1));
    expect(pool.liveWorkers()).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(pool.liveWorkers()).toBe(0);
    pool.terminate();
    await expect(pool.describe(cell(1))).rejects.toThrow(/terminated/);
  });
});

describe('describeCell LBP options', () => {
  it('passes the LBP variant and radii through (riu2 at radii 1,2 → 20 bins)', () => {
    const out = describeCell(cell(3), undefined, vocabulary(), {
      lbpVariant: 'riu2',
      lbpRadii: [1, 2],
    });
    expect(out.lbp.length).toBe(20);
    expect(out.lbp.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 5);
  });
});
