import { transfer } from 'comlink';
import type { Vocabulary } from '../core/features/bof';
import {
  describeCell,
  type CellDescriptors,
  type DescribeCellOptions,
} from '../core/features/describe-cell';

/** One cell as it crosses the worker boundary (buffers are transferred, not copied). */
export interface DescribeRequest {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
  mask?: Uint8Array;
  options?: DescribeCellOptions;
}

/** What a descriptor worker exposes through Comlink. */
export interface DescriptorWorkerApi {
  init(vocabulary: Vocabulary): void;
  describe(request: DescribeRequest): CellDescriptors;
}

/** Environment-free worker body, shared by the browser and the Node worker entries. */
export function createDescriptorApi(): DescriptorWorkerApi {
  let vocabulary: Vocabulary | null = null;
  return {
    init(v) {
      vocabulary = v;
    },
    describe(req) {
      if (!vocabulary)
        throw new Error('The descriptor worker has no vocabulary (init was not called).');
      const out = describeCell(
        { width: req.width, height: req.height, data: req.pixels },
        req.mask,
        vocabulary,
        req.options,
      );
      return transfer(out, [out.lbp.buffer, out.bof.buffer]);
    },
  };
}
