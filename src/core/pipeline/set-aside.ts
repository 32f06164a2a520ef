import { OTHER_CLASS, type Nucleus } from '../types';

/**
 * An object the Other gate settled before the classifier (src/core/pipeline/gate-first.ts):
 * labelled Other with no class probabilities. Its own module, free of tfjs, for the app's panel.
 */
export function isSetAside(n: Nucleus): boolean {
  return n.label === OTHER_CLASS && n.probabilities === null;
}
