/**
 * The 7 Herlev (smear2005) single-cell classes, in the fixed order used by the cell classifier,
 * its metrics, the CLI and the UI. Names are those of the Herlev manifest (`herlev_class`).
 */
export const HERLEV_CLASSES = [
  'normal_superficiel',
  'normal_intermediate',
  'normal_columnar',
  'light_dysplastic',
  'moderate_dysplastic',
  'severe_dysplastic',
  'carcinoma_in_situ',
] as const;
export type HerlevClass = (typeof HERLEV_CLASSES)[number];

/** Normal classes (the rest count as abnormal, as in the Herlev 2-class problem). */
export const HERLEV_NORMAL: readonly HerlevClass[] = [
  'normal_superficiel',
  'normal_intermediate',
  'normal_columnar',
];

export function isAbnormalHerlev(c: HerlevClass): boolean {
  return !HERLEV_NORMAL.includes(c);
}

/** Bethesda category of each Herlev class (the manifest's mapping). */
export const HERLEV_BETHESDA: Record<HerlevClass, 'NILM' | 'LSIL' | 'HSIL'> = {
  normal_superficiel: 'NILM',
  normal_intermediate: 'NILM',
  normal_columnar: 'NILM',
  light_dysplastic: 'LSIL',
  moderate_dysplastic: 'HSIL',
  severe_dysplastic: 'HSIL',
  carcinoma_in_situ: 'HSIL',
};

/** Readable label for the UI. */
export const HERLEV_DISPLAY: Record<HerlevClass, string> = {
  normal_superficiel: 'Normal superficial',
  normal_intermediate: 'Normal intermediate',
  normal_columnar: 'Normal columnar',
  light_dysplastic: 'Light dysplasia',
  moderate_dysplastic: 'Moderate dysplasia',
  severe_dysplastic: 'Severe dysplasia',
  carcinoma_in_situ: 'Carcinoma in situ',
};
