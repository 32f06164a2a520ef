/**
 * Cut every labelled CRIC cell with the SHIPPED crop function (`cropCell`, 96×96 at the CRIC
 * 1280-px working scale) and store the crops compactly for CNN fine-tuning in PyTorch.
 *
 *   npx tsx scripts/export-crops.ts [--out .devdata/cnn] [--quality 95] [--format jpeg|raw]
 *
 * Output per split part (train/val/test): `<part>.bin` = concatenated crops (JPEG at --quality,
 * or raw RGB uint8 with --format raw) and `<part>.json` = {size, format, classes, cells:
 * [{cellId, field, label, offset, length}]}. Labels are indices into CLASS_NAMES.
 * JPEG q95 keeps train+val small enough to carry to the GPU machine (~25 MiB); the extra
 * re-encoding is mild next to the fields' own q95 JPEG compression, and is documented in
 * docs/model-cards/cnn.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import jpeg from 'jpeg-js';
import { cropCell, CELL_CROP_SIZE } from '../src/core/image/crop-cell';
import { CLASS_NAMES } from '../src/core/types';
import { cricFieldPath, readCricCells, type CricCell } from '../src/data/datasets';
import { REPO_ROOT, hasData, NO_DATA_MESSAGE } from '../src/data/paths';
import { readImage } from '../src/data/read-image';
import { loadSplit, PARTS, unitsOf, type Part } from '../src/data/splits';

interface CropEntry {
  cellId: string;
  field: string;
  label: number;
  offset: number;
  length: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(REPO_ROOT, '.devdata', 'cnn') },
      quality: { type: 'string', default: '95' },
      format: { type: 'string', default: 'jpeg' },
    },
  });
  if (!hasData()) {
    console.error(NO_DATA_MESSAGE);
    process.exit(1);
  }
  const outDir = resolve(values.out);
  const quality = Number(values.quality);
  const format = values.format === 'raw' ? 'raw' : 'jpeg';
  mkdirSync(outDir, { recursive: true });

  const cells = readCricCells();
  const split = loadSplit('cric');
  const byField = new Map<string, CricCell[]>();
  for (const c of cells) {
    const list = byField.get(c.field) ?? [];
    list.push(c);
    byField.set(c.field, list);
  }

  for (const part of PARTS as readonly Part[]) {
    const fields = [...unitsOf(split, part)].sort();
    const chunks: Uint8Array[] = [];
    const entries: CropEntry[] = [];
    let offset = 0;
    const counts = new Array<number>(CLASS_NAMES.length).fill(0);
    for (const field of fields) {
      const fieldCells = byField.get(field) ?? [];
      if (fieldCells.length === 0) continue;
      const img = await readImage(cricFieldPath(field));
      for (const c of fieldCells) {
        const crop = cropCell(img, c.x, c.y, CELL_CROP_SIZE);
        let bytes: Uint8Array;
        if (format === 'jpeg') {
          bytes = new Uint8Array(
            jpeg.encode({ data: crop.data, width: crop.width, height: crop.height }, quality).data,
          );
        } else {
          bytes = new Uint8Array(crop.width * crop.height * 3);
          for (let i = 0, j = 0; i < crop.data.length; i += 4, j += 3) {
            bytes[j] = crop.data[i];
            bytes[j + 1] = crop.data[i + 1];
            bytes[j + 2] = crop.data[i + 2];
          }
        }
        const label = CLASS_NAMES.indexOf(c.label);
        counts[label]++;
        entries.push({ cellId: c.cellId, field, label, offset, length: bytes.length });
        chunks.push(bytes);
        offset += bytes.length;
      }
    }
    const bin = new Uint8Array(offset);
    let o = 0;
    for (const ch of chunks) {
      bin.set(ch, o);
      o += ch.length;
    }
    writeFileSync(join(outDir, `${part}.bin`), bin);
    writeFileSync(
      join(outDir, `${part}.json`),
      JSON.stringify({
        size: CELL_CROP_SIZE,
        format,
        quality,
        classes: CLASS_NAMES,
        cells: entries,
      }),
    );
    console.log(
      `${part}: ${entries.length} crops from ${fields.length} fields, ${(offset / 2 ** 20).toFixed(1)} MiB; ` +
        CLASS_NAMES.map((n, i) => `${n} ${counts[i]}`).join(', '),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
