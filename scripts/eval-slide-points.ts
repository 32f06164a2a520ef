/**
 * Score a slide analysis against labelled points in slide coordinates (issue 14):
 *   npx tsx scripts/eval-slide-points.ts --result slide.json --points slide.tif.points.csv [--top 50]
 * `slide.json` = `paplens analyze SLIDE --json slide.json`; the points come from
 * scripts/make-test-slide.ts. Prints point recall (a labelled point inside a detected contour),
 * abnormal sensitivity (its nucleus also called abnormal), and how many labelled abnormal cells
 * the most-abnormal gallery (top N by P(abnormal), objects set aside excluded) shows.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AnalysisResult, Nucleus } from '../src/core/types';
import { pointInPolygon } from '../src/core/util/geometry';
import { parseCsv } from '../src/data/csv';

const { values } = parseArgs({
  options: {
    result: { type: 'string' },
    points: { type: 'string' },
    top: { type: 'string', default: '50' },
  },
});
if (!values.result || !values.points) throw new Error('give --result FILE and --points FILE');
const result = (JSON.parse(readFileSync(values.result, 'utf8')) as { images: AnalysisResult[] })
  .images[0];
const rows = parseCsv(readFileSync(values.points, 'utf8'));
const nuclei = result.nuclei;
const hit = (x: number, y: number): Nucleus | undefined =>
  nuclei.find(
    (n) =>
      x >= n.bbox.x &&
      x <= n.bbox.x + n.bbox.width &&
      y >= n.bbox.y &&
      y <= n.bbox.y + n.bbox.height &&
      pointInPolygon(x, y, n.contour),
  );
let found = 0;
let abnormal = 0;
let abnormalFound = 0;
const abnormalNuclei = new Set<number>();
for (const r of rows) {
  const n = hit(Number(r.x), Number(r.y));
  if (n) found++;
  // make-test-slide.ts writes the parsed class (NILM, ASC-US, …); CRIC's raw label also counts.
  if (!['NILM', 'Negative for intraepithelial lesion'].includes(r.bethesda_system)) {
    abnormal++;
    if (n?.abnormal) abnormalFound++;
    if (n) abnormalNuclei.add(n.id);
  }
}
const gallery = nuclei
  .filter((n) => n.label !== 'Other' && n.abnormalProbability !== null)
  .sort((a, b) => (b.abnormalProbability ?? 0) - (a.abnormalProbability ?? 0))
  .slice(0, Number(values.top));
const inGallery = gallery.filter((n) => abnormalNuclei.has(n.id)).length;
console.log(
  JSON.stringify(
    {
      nuclei: nuclei.length,
      labelled_points: rows.length,
      point_recall: found / rows.length,
      labelled_abnormal: abnormal,
      abnormal_sensitivity: abnormal ? abnormalFound / abnormal : null,
      gallery_top: gallery.length,
      labelled_abnormal_in_gallery: inGallery,
    },
    null,
    1,
  ),
);
