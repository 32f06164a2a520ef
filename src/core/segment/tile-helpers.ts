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

export { runShared } from '../util/run-shared';
