import { CLASS_NAMES, NUCLEUS_CLASSES, type ClassName, type NucleusLabel } from '../core/types';

/**
 * Class colours from the Okabe–Ito palette (distinguishable with the common colour-vision
 * deficiencies), ordered from normal (green) to the most severe (magenta).
 */
export const CLASS_COLORS: Record<NucleusLabel, string> = {
  NILM: '#009E73',
  'ASC-US': '#56B4E9',
  LSIL: '#F0E442',
  'ASC-H': '#E69F00',
  HSIL: '#D55E00',
  SCC: '#CC79A7',
  // Muted on purpose: set-aside objects (issue 11) must not compete with the Bethesda colours.
  Other: '#8C8C8C',
};

/** Contour colour of a nucleus the classifier has not labelled (no classifier loaded). */
export const UNLABELLED_COLOR = '#FFFFFF';

export const CLASS_DESCRIPTIONS: Record<NucleusLabel, string> = {
  NILM: 'Negative for intraepithelial lesion or malignancy',
  'ASC-US': 'Atypical squamous cells of undetermined significance',
  LSIL: 'Low-grade squamous intraepithelial lesion',
  'ASC-H': 'Atypical squamous cells, cannot exclude HSIL',
  HSIL: 'High-grade squamous intraepithelial lesion',
  SCC: 'Squamous cell carcinoma',
  Other: 'Not a squamous epithelial nucleus (leukocyte, debris, clump or blur): set aside',
};

export function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export { CLASS_NAMES, NUCLEUS_CLASSES };
export type { ClassName, NucleusLabel };
