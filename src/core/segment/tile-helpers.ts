/**
 * Other copies of the segmentation network (in other workers) that can run tiles of a large
 * input while this thread runs others (issue 13). tfjs-backend-wasm runs one thread per model on a
 * 2-core machine, in Node always, and its own threads did not pay (docs/PERFORMANCE.md), so a
 * field's tiles are shared between workers instead. Same weights and kernels everywhere, and the
 * tiles are blended in their fixed order, so the map is the same whoever ran which tile.
 */
export interface TileHelper {
  /** Probability map (ph × pw) of one padded grey tile (ph × pw, 0..1). */
  predict(tile: Float32Array, ph: number, pw: number): Promise<Float32Array>;
}

const helpers = new WeakMap<object, TileHelper[]>();

/** Let `model` share its tiles with `list` (empty: this thread alone). */
export function setTileHelpers(model: object, list: readonly TileHelper[]): void {
  if (list.length) helpers.set(model, [...list]);
  else helpers.delete(model);
}

export function tileHelpersOf(model: object): readonly TileHelper[] {
  return helpers.get(model) ?? [];
}

/** Let queued messages (a helper's answer) through between two tiles computed on this thread. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Run `count` jobs on this thread (`local`) and on every helper at once, and hand each result to
 * `commit` in index order (a result that arrives early waits for the ones before it). A helper
 * that fails gives its job back to this thread, and its share of the rest too.
 */
export async function runShared<T>(
  count: number,
  local: (i: number) => Promise<T>,
  remote: ((i: number) => Promise<T>)[],
  commit: (i: number, result: T) => void,
  /** This thread takes jobs too (false: only the helpers' failures come back to it). */
  localTakesJobs = true,
): Promise<void> {
  const results = new Map<number, T>();
  let next = 0;
  let committed = 0;
  const settle = (i: number, r: T): void => {
    results.set(i, r);
    while (results.has(committed)) {
      const v = results.get(committed) as T;
      results.delete(committed);
      commit(committed++, v);
    }
  };
  const mine = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      settle(i, await local(i));
      if (remote.length) await yieldToEvents();
    }
  };
  const theirs = async (run: (i: number) => Promise<T>): Promise<void> => {
    let job = run;
    while (next < count) {
      const i = next++;
      let r: T;
      try {
        r = await job(i);
      } catch {
        // The helper is gone: this loop goes on with this thread (the only one left, maybe).
        job = local;
        r = await local(i);
      }
      settle(i, r);
    }
  };
  await Promise.all([...(localTakesJobs || !remote.length ? [mine()] : []), ...remote.map(theirs)]);
}
