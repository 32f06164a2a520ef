export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function percent(p: number, digits = 1): string {
  return `${(p * 100).toFixed(digits)}%`;
}

export function ms(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

export const BACKEND_LABELS: Record<string, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WASM',
  cpu: 'CPU',
  none: 'none',
};

export const STAGE_LABELS: Record<string, string> = {
  decoding: 'Reading image',
  starting: 'Starting',
  helpers: 'Starting helper workers',
  segment: 'Finding nuclei',
  segmentation: 'Finding nuclei',
  features: 'Measuring cells',
  descriptors: 'Texture descriptors',
  deep: 'Deep features',
  classify: 'Classifying',
};

export function stageLabel(stage: string): string {
  return STAGE_LABELS[stage] ?? stage.replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** A duration for people: "45 s", "3 min 05 s", "1 h 02 min". */
export function duration(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const s = Math.max(0, Math.round(v / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
