// Node-only: `paplens bench` stages for the hand-crafted descriptors (registered in src/cli/bench-stages.ts).
import type { BenchStage } from '../cli/bench-stages';
import { bofHistogram, loadVocabulary } from '../core/features/bof';
import { cellSurf } from '../core/features/describe-cell';
import { lbpHistogram } from '../core/features/lbp';
import { cropCell } from '../core/image/crop-cell';
import { toGrey } from '../core/image/ops';
import type { GreyImage } from '../core/image/types';
import { mulberry32 } from '../core/util/random';
import { cricFieldPath, readCricCells } from '../data/datasets';
import { hasData } from '../data/paths';
import { readImage } from '../data/read-image';
import { nodeModelSource } from '../models/node-source';

/** Side of the benchmark cell (issue 4: timings are per 128×128 cell). */
export const BENCH_CELL_SIZE = 128;

/**
 * The benchmark input: a real CRIC cell cut at 128×128 with the shipped cropCell (first labelled
 * cell of the first field, a fixed choice), or a seeded synthetic cell when ../shared is absent.
 */
export async function benchCell(): Promise<{ grey: GreyImage; source: string }> {
  if (hasData()) {
    const cell = readCricCells()[0];
    const field = await readImage(cricFieldPath(cell.field));
    return {
      grey: toGrey(cropCell(field, cell.x, cell.y, BENCH_CELL_SIZE)),
      source: `CRIC cell ${cell.cellId}`,
    };
  }
  const r = mulberry32(4);
  const n = BENCH_CELL_SIZE;
  const data = new Float32Array(n * n);
  const blobs = Array.from({ length: 20 }, () => ({
    x: r() * n,
    y: r() * n,
    s: 2 + r() * 6,
    a: (r() - 0.5) * 0.5,
  }));
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let v = 0.75 - 0.35 * Math.exp(-((x - n / 2) ** 2 + (y - n / 2) ** 2) / 300);
      for (const b of blobs)
        v += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.s ** 2));
      data[y * n + x] = v;
    }
  }
  return { grey: { width: n, height: n, data }, source: 'synthetic cell' };
}

export const DESCRIPTOR_BENCH_STAGES: BenchStage[] = [
  {
    name: 'lbp',
    async setup() {
      const { grey } = await benchCell();
      return () => {
        lbpHistogram(grey);
      };
    },
  },
  {
    name: 'surf_bof',
    async setup() {
      const vocab = await loadVocabulary(nodeModelSource());
      const { grey } = await benchCell();
      return () => {
        bofHistogram(cellSurf(grey, vocab.extraction).descriptors, vocab);
      };
    },
  },
];
