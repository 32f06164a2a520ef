/**
 * Pixel-size robustness of single-cell nucleus finding on Herlev VAL cells (every 8th): each image
 * resized to 32, 64, 512 and 1024 px; does the primary nucleus stay the same one (centroid within
 * 10 % of the side of the one found at native size)?   npx tsx scripts/cell-scale-check.ts
 */
import { initNodeTf } from '../src/cli/tf-node';
import { findCellNuclei } from '../src/core/cell/primary-nucleus';
import { loadPipelineModels } from '../src/core/pipeline/models';
import { resizeRgba } from '../src/core/image/ops';
import { herlevCells } from '../src/data/cell-manifest';
import { readImage } from '../src/data/read-image';
import { loadSplit } from '../src/data/splits';
import { nodeModelSource } from '../src/models/node-source';
await initNodeTf();
const m = await loadPipelineModels(nodeModelSource(), { classifier: false });
const val = new Set(loadSplit('herlev').parts.val);
const cells = herlevCells()
  .filter((c) => val.has(c.group))
  .filter((_, i) => i % 8 === 0);
for (const side of [32, 64, 512, 1024]) {
  let seg = 0,
    fb = 0,
    drift = 0;
  const t0 = Date.now();
  for (const c of cells) {
    const img = await readImage(c.imagePath);
    const ref = await findCellNuclei(img, m.seg);
    const r = await findCellNuclei(resizeRgba(img, side, side), m.seg);
    if (r.method === 'segmentation') seg++;
    else fb++;
    const f = side / img.width;
    const a = ref.nuclei[0]?.centroid,
      b = r.nuclei[0]?.centroid;
    // No nucleus on either side counts as a different nucleus.
    if (!a || !b || Math.hypot(a.x * f - b.x, a.y * f - b.y) > 0.1 * side) drift++;
  }
  console.log(
    JSON.stringify({
      side,
      n: cells.length,
      seg,
      fallback: fb,
      differsFrom224: drift,
      msPerImage: (Date.now() - t0) / cells.length,
    }),
  );
}
m.dispose();
