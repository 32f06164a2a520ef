import {
  morphVector,
  otherProbability,
  type MorphInput,
  type ScreenModel,
} from '../classify/other-gate';

/**
 * Field mode (issue 13): an object the Other gate alone labels Other — P(Other) above this — is
 * settled before the classifier: no crop, no CNNs, no LBP or SURF (52 % of the 8,369 objects the
 * shipped models outline in the CRIC fields cached for the gate's training and choice:
 * scripts/gate-first-share.ts). At 0.5 every screening output is unchanged (see `settleByGate`);
 * only the split of the remaining probability among the six classes is not shown.
 */
export const GATE_FIRST_MIN = 0.5;

/** What a settled object carries: label Other, confidence P(Other), no class probabilities. */
export interface GateSettled {
  probabilities: null;
  label: 'Other';
  confidence: number;
  abnormalProbability: null;
  abnormal: false;
  lowConfidence: boolean;
}

/** Whether the gate's inputs are morphometrics only (so it can run before the classifier). */
export function gateRunsFirst(screen: ScreenModel): boolean {
  return screen.fusedRanges.length === 0 && !screen.classInputs;
}

/**
 * The object's outcome from the gate alone, or null when it needs the classifier. Exact for the
 * screening: with P(Other) = q > 0.5 every Bethesda probability is p·(1 − q) < q, so the full path
 * labels it Other too, never calls it, and field metrics leave it out of the ranking; only the
 * split of the remaining 1 − q among the six classes is not computed.
 */
export function settleByGate(
  screen: ScreenModel,
  morph: MorphInput,
  scale: number,
  lowConfidenceBelow: number,
  min = GATE_FIRST_MIN,
): GateSettled | null {
  if (!gateRunsFirst(screen) || min < 0.5) return null;
  const q = otherProbability(screen, new Float32Array(screen.fusedDim), morphVector(morph, scale));
  if (!(q > min)) return null;
  return {
    probabilities: null,
    label: 'Other',
    confidence: q,
    abnormalProbability: null,
    abnormal: false,
    lowConfidence: q < lowConfidenceBelow,
  };
}
