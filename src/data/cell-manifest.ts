import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from './csv';
import { dataDir } from './paths';
import { HERLEV_CLASSES, type HerlevClass } from '../core/herlev';

/** One row of a single-cell manifest (format of ../shared/data/herlev/manifest.csv). */
export interface CellRow {
  id: string;
  group: string;
  herlevClass: HerlevClass;
  bethesda: string;
  abnormal: boolean;
  imagePath: string;
}

/**
 * Read a single-cell manifest (columns id, group, herlev_class, bethesda, abnormal; others are
 * ignored). Images are looked up as `<imagesDir>/<id>.<ext>` for the usual extensions.
 */
export function readCellManifest(csvPath: string, imagesDir: string): CellRow[] {
  if (!existsSync(csvPath)) throw new Error(`manifest not found: ${csvPath}`);
  const rows = parseCsv(readFileSync(csvPath, 'utf8'));
  if (rows.length === 0) throw new Error(`manifest is empty: ${csvPath}`);
  for (const col of ['id', 'group', 'herlev_class', 'abnormal'])
    if (!(col in rows[0])) throw new Error(`manifest ${csvPath} has no "${col}" column`);
  return rows.map((r, i) => {
    const cls = r.herlev_class as HerlevClass;
    if (!HERLEV_CLASSES.includes(cls))
      throw new Error(
        `manifest row ${i + 2}: unknown herlev_class "${r.herlev_class}" (expected one of ${HERLEV_CLASSES.join(', ')})`,
      );
    const imagePath =
      ['.jpg', '.jpeg', '.png', '.bmp', '.BMP', '.JPG', '.PNG']
        .map((e) => join(imagesDir, r.id + e))
        .find((p) => existsSync(p)) ?? join(imagesDir, `${r.id}.jpg`);
    return {
      id: r.id,
      group: r.group,
      herlevClass: cls,
      bethesda: r.bethesda ?? '',
      abnormal: r.abnormal === '1' || r.abnormal === 'true',
      imagePath,
    };
  });
}

export function herlevDir(root = dataDir()): string {
  return join(root, 'herlev');
}

/** The full Herlev set in ../shared/data/herlev. */
export function herlevCells(root = dataDir()): CellRow[] {
  const dir = herlevDir(root);
  return readCellManifest(join(dir, 'manifest.csv'), join(dir, 'images'));
}

export function hasHerlev(root = dataDir()): boolean {
  return existsSync(join(herlevDir(root), 'manifest.csv'));
}
