import { describe, expect, it } from 'vitest';
import { throttleProgress } from '../src/app/worker/throttle-progress';
import type { StageProgress } from '../src/app/worker/protocol';

describe('throttleProgress (issue 13: one report per nucleus was one page re-render each)', () => {
  it('passes stage changes at once and at most one report per interval within a stage', () => {
    let t = 0;
    const seen: StageProgress[] = [];
    const report = throttleProgress(
      (p) => seen.push(p),
      200,
      () => t,
    );
    report('segment', 0);
    t = 50;
    report('segment', 1); // same stage, 50 ms later: dropped
    report('classify', 0.01); // new stage: through
    for (let i = 2; i <= 100; i++) {
      t += 10; // 100 nuclei 10 ms apart: 990 ms
      report('classify', i / 100);
    }
    expect(seen).toEqual([
      { stage: 'segment', fraction: 0 },
      { stage: 'classify', fraction: 0.01 },
      { stage: 'classify', fraction: 0.21 },
      { stage: 'classify', fraction: 0.41 },
      { stage: 'classify', fraction: 0.61 },
      { stage: 'classify', fraction: 0.81 },
    ]);
  });

  it('lets a report through again once the interval has passed', () => {
    let t = 0;
    const seen: number[] = [];
    const report = throttleProgress(
      (p) => seen.push(p.fraction),
      100,
      () => t,
    );
    report('segment', 0.1);
    t = 99;
    report('segment', 0.2);
    t = 100;
    report('segment', 0.3);
    expect(seen).toEqual([0.1, 0.3]);
  });
});
