/**
 * Fit the small-nuclei field check of the automatic mode (FIELD_CHECK in
 * src/core/segment/auto-scale.ts, issue 12) on TRAIN images and report it on validation. Every
 * image the default ×0.5 probe takes for a single cell (`isCell`) also gets the whole-image probe at
 * the field default ×1; for each rule of a small grid (gate on the cell nucleus's mean probability,
 * minimum objects, largest object as a multiple of the field target; then the shipped check with
 * the speck gate at 1–4 specks or off) the script counts, per set, the images whose check runs and
 * those it turns into fields. Sets (scripts/mode-fit-sets.ts):
 * Herlev cells and Herlev-SD ×0.5 copies must stay cells; ISBI synthetic ×0.5 copies (fields of
 * ~9-px nuclei) and CRIC crops should not. The test parts are not read. FIELD_CHECK quotes:
 *   npx tsx scripts/fit-field-check.ts        (about 4 min)
 */
import { initNodeTf } from '../src/cli/tf-node';
import { loadSegModel } from '../src/core/segment';
import {
  DEFAULT_PROBE_SIDE,
  FIELD_CHECK,
  fieldCheckGate,
  isCell,
  probeScale,
  TARGET_DIAMETER_PX,
  type ScaleProbe,
} from '../src/core/segment/auto-scale';
import { DEFAULT_SCALE } from '../src/core/pipeline/scale-choice';
import type { Part } from '../src/data/splits';
import { modeFitImages, type FitKind } from './mode-fit-sets';
import { nodeModelSource } from '../src/models/node-source';

await initNodeTf();
const model = await loadSegModel(nodeModelSource());

interface Seen {
  kind: FitKind;
  /** The ×0.5 probe and the ×1 probe (only for images taken for cells). */
  cell?: { first: ScaleProbe; field: ScaleProbe };
}
async function collect(part: Part): Promise<Seen[]> {
  const out: Seen[] = [];
  for await (const { kind, image } of modeFitImages(part, true)) {
    const first = await probeScale(image, model, DEFAULT_SCALE.cell, DEFAULT_PROBE_SIDE);
    out.push(
      isCell(first)
        ? {
            kind,
            cell: {
              first,
              field: await probeScale(image, model, DEFAULT_SCALE.field, DEFAULT_PROBE_SIDE),
            },
          }
        : { kind },
    );
  }
  return out;
}

interface Rule {
  gateMeanProb: number;
  gateSpecks: number;
  minObjects: number;
  maxRatio: number;
}
const line = (seen: Seen[], r: Rule): string =>
  (['herlev cells', 'herlev-sd x0.5', 'synthetic x0.5', 'cric crops'] as FitKind[])
    .map((kind) => {
      const all = seen.filter((s) => s.kind === kind);
      const cells = all.filter((s) => s.cell);
      const run = cells.filter((s) => fieldCheckGate(s.cell!.first, r));
      const flip = run.filter(
        (s) =>
          s.cell!.field.objects >= r.minObjects &&
          s.cell!.field.largestDiameterPx <= r.maxRatio * TARGET_DIAMETER_PX.field,
      );
      return `${kind}: ${flip.length} → field, check run ${run.length}, cells ${cells.length}/${all.length}`;
    })
    .join(' | ');

const train = await collect('train');
const val = await collect('val');
// The gate's reference: how certain the nucleus of a Herlev train cell taken for a cell is.
const herlevProbs = train
  .filter((s) => s.kind === 'herlev cells' && s.cell)
  .map((s) => s.cell!.first.largestMeanProb)
  .sort((a, b) => a - b);
const herlevSpecks = train
  .filter((s) => s.kind === 'herlev cells' && s.cell)
  .map((s) => s.cell!.first.specks)
  .sort((a, b) => a - b);
console.log(
  `Herlev train cells taken for cells: nucleus mean probability p5 ${herlevProbs[Math.floor(0.05 * herlevProbs.length)].toFixed(3)}, ` +
    `median ${herlevProbs[herlevProbs.length >> 1].toFixed(3)} (${herlevProbs.length} cells); ` +
    `specks at ×0.5 median ${herlevSpecks[herlevSpecks.length >> 1]}, p95 ${herlevSpecks[Math.floor(0.95 * herlevSpecks.length)]}`,
);
for (const gateMeanProb of [0.98, 0.985, 0.99, 1.01])
  for (const minObjects of [2, 3])
    for (const maxRatio of [0.6, 0.7, 0.8])
      console.log(
        `gate ${gateMeanProb} min ${minObjects} ratio ${maxRatio}\n  train ${line(train, { gateMeanProb, gateSpecks: Infinity, minObjects, maxRatio })}`,
      );
// The speck gate beside the shipped certainty gate and check.
for (const gateSpecks of [1, 2, 3, 4, Infinity])
  console.log(
    `gate ${FIELD_CHECK.gateMeanProb} or specks ≥ ${gateSpecks}\n  train ${line(train, { ...FIELD_CHECK, gateSpecks })}`,
  );
console.log(`shipped ${JSON.stringify(FIELD_CHECK)}`);
console.log(`  train ${line(train, FIELD_CHECK)}\n  val   ${line(val, FIELD_CHECK)}`);
