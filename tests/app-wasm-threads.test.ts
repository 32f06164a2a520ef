import { describe, expect, it } from 'vitest';
import { wasmThreadsGranted, wasmThreadsWanted } from '../src/app/worker/wasm-threads';
import { segTileWorkerCount } from '../src/app/worker/seg-tiles';

describe('WASM threads of the app’s analysis worker (issue 13)', () => {
  it('keeps tfjs’s own choice beside tile workers', () => {
    for (const cores of [2, 4, 8, 16])
      expect(wasmThreadsWanted(true, cores, 2)).toBe(wasmThreadsGranted(true, cores));
    expect(wasmThreadsWanted(true, 2, 1)).toBe(1);
  });

  it('uses the cores (≤ 4) when no tile worker runs, never without cross-origin isolation', () => {
    expect(wasmThreadsWanted(true, 2, 0)).toBe(2);
    expect(wasmThreadsWanted(true, 8, 0)).toBe(4);
    expect(wasmThreadsWanted(true, 1, 0)).toBe(1);
    expect(wasmThreadsWanted(false, 8, 0)).toBe(1);
  });

  it('a device under 4 GB gets no tile workers, hence the threads', () => {
    const env = { backend: 'wasm', workers: true, cores: 2 };
    expect(wasmThreadsWanted(true, 2, segTileWorkerCount(null, { ...env, memoryGb: 2 }))).toBe(2);
    expect(wasmThreadsWanted(true, 2, segTileWorkerCount(null, { ...env, memoryGb: 8 }))).toBe(1);
    expect(wasmThreadsWanted(true, 2, segTileWorkerCount(0, { ...env, memoryGb: 8 }))).toBe(2);
  });
});
