/**
 * Write the whole-cell views (`cellImageView`, the shipped function) of the Herlev cells for CNN
 * fine-tuning in PyTorch, in training/cls/cnn/train.py's raw format.
 *
 *   npx tsx scripts/export-cell-views.ts [--out .devdata/herlev-views] [--parts train,val]
 *
 * Per part: `<part>.bin` (raw RGB uint8, CELL_VIEW_SIZE²×3 per cell) and `<part>.json` =
 * {size, format: 'raw', classes, cells: [{cellId, group, label, offset, length}]}, label = index
 * into HERLEV_CLASSES. Test views are written only when asked for (--parts test).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cellImageView, CELL_VIEW_SIZE } from '../src/core/cell/view';
import { HERLEV_CLASSES } from '../src/core/herlev';
import { hasHerlev, herlevCells } from '../src/data/cell-manifest';
import { NO_DATA_MESSAGE, REPO_ROOT } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, type Part } from '../src/data/splits';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(REPO_ROOT, '.devdata', 'herlev-views') },
      parts: { type: 'string', default: 'train,val' },
      limit: { type: 'string', default: '0' },
    },
  });
  if (!hasHerlev()) {
    console.error(NO_DATA_MESSAGE);
    process.exit(1);
  }
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const split = loadSplit('herlev');
  const cells = herlevCells();
  const limit = Number(values.limit);
  for (const part of values.parts.split(',') as Part[]) {
    const groups = new Set(split.parts[part]);
    let mine = cells.filter((c) => groups.has(c.group));
    if (limit > 0) mine = mine.slice(0, limit);
    const chunks: Buffer[] = [];
    const index: {
      cellId: string;
      group: string;
      label: number;
      offset: number;
      length: number;
    }[] = [];
    let offset = 0;
    for (const c of mine) {
      const v = cellImageView(await readImage(c.imagePath));
      const rgb = Buffer.alloc(v.width * v.height * 3);
      for (let i = 0; i < v.width * v.height; i++) {
        rgb[3 * i] = v.data[4 * i];
        rgb[3 * i + 1] = v.data[4 * i + 1];
        rgb[3 * i + 2] = v.data[4 * i + 2];
      }
      chunks.push(rgb);
      index.push({
        cellId: c.id,
        group: c.group,
        label: HERLEV_CLASSES.indexOf(c.herlevClass),
        offset,
        length: rgb.length,
      });
      offset += rgb.length;
    }
    writeFileSync(join(out, `${part}.bin`), Buffer.concat(chunks));
    writeFileSync(
      join(out, `${part}.json`),
      JSON.stringify({
        size: CELL_VIEW_SIZE,
        format: 'raw',
        classes: HERLEV_CLASSES,
        cells: index,
      }),
    );
    console.log(`${part}: ${index.length} cells`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
