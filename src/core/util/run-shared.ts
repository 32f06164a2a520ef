/**
 * Jobs shared between this thread and helpers in other workers (segmentation tiles, the CNN
 * features of a field's crops: issue 13), committed in index order whoever ran them.
 */

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
  /** No job is started once this says so (a cancelled analysis); the others are left undone. */
  stopped: () => boolean = () => false,
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
    while (next < count && !stopped()) {
      const i = next++;
      settle(i, await local(i));
      if (remote.length) await yieldToEvents();
    }
  };
  const theirs = async (run: (i: number) => Promise<T>): Promise<void> => {
    let job = run;
    while (next < count && !stopped()) {
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
