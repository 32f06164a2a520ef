import type { StageProgress } from './protocol';

/**
 * Fewer progress reports to the page (issue 13). The classifier reports once per nucleus (200+
 * times in a dense field) and every report is a message to the page and a re-render and repaint
 * there, on the same cores as the analysis. A report goes through when the stage changes or
 * `minIntervalMs` has passed since the last one that went through; the rest are dropped, so what
 * the page shows is at most that interval's progress behind.
 */
export function throttleProgress(
  report: (p: StageProgress) => void,
  minIntervalMs = 200,
  now: () => number = () => performance.now(),
): (stage: string, fraction: number) => void {
  let lastStage: string | null = null;
  let lastAt = -Infinity;
  return (stage, fraction) => {
    const t = now();
    if (stage === lastStage && t - lastAt < minIntervalMs) return;
    lastStage = stage;
    lastAt = t;
    report({ stage, fraction });
  };
}
