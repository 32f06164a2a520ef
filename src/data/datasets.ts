import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseCsv } from './csv';
import { dataDir } from './paths';

/** Bethesda classes in the fixed order used by every model, metric and export. */
export const CLASSES = ['NILM', 'ASC-US', 'LSIL', 'ASC-H', 'HSIL', 'SCC'] as const;
export type BethesdaClass = (typeof CLASSES)[number];

const CRIC_LABELS: Record<string, BethesdaClass> = {
  'Negative for intraepithelial lesion': 'NILM',
  NILM: 'NILM',
  'ASC-US': 'ASC-US',
  LSIL: 'LSIL',
  'ASC-H': 'ASC-H',
  HSIL: 'HSIL',
  SCC: 'SCC',
};

export interface SegSample {
  id: string;
  /** Split unit: Herlev group, or the image id for ISBI. */
  group: string;
  imagePath: string;
  maskPath: string;
}

export interface CricCell {
  cellId: string;
  label: BethesdaClass;
  imageId: string;
  field: string;
  /** Nucleus centre in the field image's pixels. */
  x: number;
  y: number;
}

export function herlevSamples(root = dataDir()): SegSample[] {
  const dir = join(root, 'herlev-sd');
  return parseCsv(readFileSync(join(dir, 'manifest.csv'), 'utf8')).map((r) => ({
    id: r.id,
    group: r.group,
    imagePath: join(dir, 'images', `${r.id}.jpg`),
    maskPath: join(dir, 'masks', `${r.id}.png`),
  }));
}

export function isbiSamples(kind: 'synthetic' | 'edf', root = dataDir()): SegSample[] {
  const dir = join(root, 'isbi2014', kind);
  return readdirSync(join(dir, 'images'))
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => {
      const id = `${kind}/${basename(f, '.png')}`;
      return { id, group: id, imagePath: join(dir, 'images', f), maskPath: join(dir, 'masks', f) };
    });
}

export function parseCricLabel(raw: string): BethesdaClass {
  const label = CRIC_LABELS[raw];
  if (!label) throw new Error(`unknown Bethesda label "${raw}"`);
  return label;
}

/** Read a CRIC-format cells CSV (columns cell_id, bethesda_system, image_id, field, x, y). */
export function readCricCells(csvPath = join(dataDir(), 'cric', 'cells.csv')): CricCell[] {
  const rows = parseCsv(readFileSync(csvPath, 'utf8'));
  for (const col of ['cell_id', 'bethesda_system', 'field', 'x', 'y']) {
    if (rows.length && !(col in rows[0])) throw new Error(`${csvPath}: missing column "${col}"`);
  }
  return rows.map((r) => ({
    cellId: r.cell_id,
    label: parseCricLabel(r.bethesda_system),
    imageId: r.image_id,
    field: r.field,
    x: Number(r.x),
    y: Number(r.y),
  }));
}

export function cricFieldPath(
  field: string,
  fieldsDir = join(dataDir(), 'cric', 'fields'),
): string {
  return join(fieldsDir, field);
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff']);

/** Pair every image in `imagesDir` with the same-basename PNG mask in `masksDir`. */
export function pairImagesWithMasks(imagesDir: string, masksDir: string): SegSample[] {
  if (!existsSync(imagesDir)) throw new Error(`images folder not found: ${imagesDir}`);
  if (!existsSync(masksDir)) throw new Error(`masks folder not found: ${masksDir}`);
  const pairs: SegSample[] = [];
  for (const f of readdirSync(imagesDir).sort()) {
    const ext = extname(f).toLowerCase();
    if (!IMAGE_EXT.has(ext)) continue;
    const id = basename(f, extname(f));
    const maskPath = join(masksDir, `${id}.png`);
    if (!existsSync(maskPath)) continue;
    pairs.push({ id, group: id, imagePath: join(imagesDir, f), maskPath });
  }
  return pairs;
}
