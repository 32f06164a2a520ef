import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { resizeRgba } from '../../src/core/image/ops';
import type { RgbaImage } from '../../src/core/image/types';
import { herlevCells } from '../../src/data/cell-manifest';
import { cricFieldPath, isbiSamples, readCricCells } from '../../src/data/datasets';
import { readImage } from '../../src/data/read-image';
import { densestCrop, upscaled } from '../../src/data/scale-inputs';
import { loadSplit, unitsOf } from '../../src/data/splits';

/**
 * Issue 12's "Done when" inputs as files in `dir`, for the CLI and app tests alike: the CRIC test
 * field with the most labelled nuclei, a 256² crop of it around its densest labelled spot, the
 * field upscaled to 2048 px, ISBI synthetic val image 24 halved to 256² (the issue's "resized to
 * 256²"), and the first five Herlev test cells by id. Points are labelled nucleus centres in each
 * image's pixels. Needs ../shared.
 */
export async function doneWhenInputs(dir: string) {
  const test = unitsOf(loadSplit('cric'), 'test');
  const byField = new Map<string, { x: number; y: number }[]>();
  for (const c of readCricCells())
    if (test.has(c.field)) byField.set(c.field, [...(byField.get(c.field) ?? []), c]);
  const [field, pts] = [...byField.entries()].sort(
    (a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]),
  )[0];
  const img = await readImage(cricFieldPath(field));
  const crop = densestCrop(img, pts);
  const up = upscaled(img, pts);
  const synthetic = await readImage(
    isbiSamples('synthetic').find((s) => s.id === 'synthetic/24')!.imagePath,
  );
  const herlevTest = unitsOf(loadSplit('herlev'), 'test');
  const cells = herlevCells()
    .filter((c) => herlevTest.has(c.id) || herlevTest.has(c.group))
    .sort((a, b) => a.id.localeCompare(b.id))
    .slice(0, 5);
  const png = (name: string, im: RgbaImage): string => {
    const path = join(dir, name);
    writeFileSync(
      path,
      encode({
        width: im.width,
        height: im.height,
        data: new Uint8Array(im.data.buffer),
        channels: 4,
      }),
    );
    return path;
  };
  const [x0, y0] = crop.origin;
  return {
    field: {
      name: field,
      path: cricFieldPath(field),
      points: pts.map((p): [number, number] => [p.x, p.y]),
    },
    crop: {
      path: png('crop.png', crop.image),
      points: crop.points,
      /** The crop's points in the field's pixels. */
      inField: crop.points.map(([x, y]): [number, number] => [x + x0, y + y0]),
    },
    up: { path: png('up.png', up.image), points: up.points, factor: up.factor },
    half: { path: png('half.png', resizeRgba(synthetic, 256, 256)) },
    cells: cells.map((c) => ({ id: c.id, path: c.imagePath })),
  };
}
