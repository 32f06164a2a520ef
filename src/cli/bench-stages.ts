import { DESCRIPTOR_BENCH_STAGES } from '../workers/descriptor-bench';
import { deepBenchStages } from '../core/features/deep/bench';
import { nodeModelSource } from '../models/node-source';
import { CLS_BENCH_STAGES } from './cls-bench';
import { segBenchStages } from '../core/segment/bench';
import { benchField } from './bench-inputs';

/**
 * Stages timed by `paplens bench`. Each module adds its own: setup() loads models and inputs once
 * and returns the function that is timed per run. A stage whose model is not shipped throws a
 * ModelMissingError from setup and is reported as skipped.
 */
export interface BenchStage {
  name: string;
  setup(): Promise<() => Promise<void> | void>;
  /** Optional teardown (dispose models). */
  teardown?(): Promise<void> | void;
}

export const BENCH_STAGES: BenchStage[] = [
  ...segBenchStages(
    () => nodeModelSource(),
    async () => (await benchField()).field,
  ),
  ...DESCRIPTOR_BENCH_STAGES,
  ...deepBenchStages(() => nodeModelSource()),
  ...CLS_BENCH_STAGES,
];
