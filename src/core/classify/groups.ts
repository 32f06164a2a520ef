/**
 * Feature groups the fusion classifier knows. Each group is reduced by its own PCA before
 * concatenation (paper: group-by-group PCA). A model records which groups it was trained on, so
 * ablation models (any subset) load and run through the same code.
 */
export const DEEP_GROUPS = ['mobilenet', 'squeezenet', 'darknet'] as const;
export const HANDCRAFTED_GROUPS = ['lbp', 'bof'] as const;
export const FEATURE_GROUPS = [...DEEP_GROUPS, ...HANDCRAFTED_GROUPS] as const;
export type FeatureGroupName = (typeof FEATURE_GROUPS)[number];

/** Features of one cell, by group. Missing groups are simply absent. */
export type CellFeatures = Partial<Record<FeatureGroupName, Float32Array>>;

export function isFeatureGroup(name: string): name is FeatureGroupName {
  return (FEATURE_GROUPS as readonly string[]).includes(name);
}

export function isDeepGroup(name: FeatureGroupName): boolean {
  return (DEEP_GROUPS as readonly string[]).includes(name);
}
