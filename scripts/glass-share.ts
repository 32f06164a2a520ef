/**
 * Why brightness is not a mode cue (docs/CELLS.md): the share of glass-bright pixels
 * (1 − tissueFraction of src/core/slide/slide-scale.ts: BT.601 luma ≥ 215, every 4th pixel) in the
 * Herlev single-cell images and the 200–256² CRIC field crops the mode rules are fitted on
 * (scripts/mode-fit-sets.ts), train part: percentiles per set.
 *   npx tsx scripts/glass-share.ts
 */
import { tissueFraction } from '../src/core/slide/slide-scale';
import { modeFitImages, type FitKind } from './mode-fit-sets';

const share: Partial<Record<FitKind, number[]>> = {};
for await (const { kind, image } of modeFitImages('train'))
  (share[kind] ??= []).push(1 - tissueFraction(image));
for (const [kind, v] of Object.entries(share)) {
  v.sort((a, b) => a - b);
  const q = (p: number): string => (100 * v[Math.floor(p * (v.length - 1))]).toFixed(0);
  console.log(
    `${kind} (${v.length}): glass share p10 ${q(0.1)} %, median ${q(0.5)} %, p90 ${q(0.9)} %`,
  );
}
