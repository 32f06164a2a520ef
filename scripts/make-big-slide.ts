/**
 * Generate a big pyramidal tiled BigTIFF slide (JPEG tiles 256², levels halving down to < 1024
 * px) without ever holding it as one image: level-0 tiles repeat a 2 × 2 block of the seeded
 * synthetic bench field (src/cli/bench-inputs.ts, 1280 × 960 each), and each reduced level
 * repeats the block halved as often (issue 14: memory and throughput at 20,000 × 20,000).
 *
 *   npx tsx scripts/make-big-slide.ts [--width 20000] [--height 20000] [--out /tmp/big-slide.tif]
 *
 * No data from ../shared, nothing committed: the file is generated on demand.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { syntheticBenchField } from '../src/cli/bench-inputs';
import type { RgbaImage } from '../src/core/image/types';
import { encodeTiledLevels, halve, type TiledLevel } from '../tests/support/slide-writer';

const { values } = parseArgs({
  options: {
    width: { type: 'string', default: '20000' },
    height: { type: 'string', default: '20000' },
    out: { type: 'string', default: '/tmp/big-slide.tif' },
  },
});
const W = Number(values.width);
const H = Number(values.height);

/** The repeated block: the bench field and its mirror images, so neighbours differ. */
function block(): RgbaImage {
  const f = syntheticBenchField();
  const bw = 2 * f.width;
  const bh = 2 * f.height;
  const data = new Uint8ClampedArray(bw * bh * 4);
  for (let y = 0; y < bh; y++)
    for (let x = 0; x < bw; x++) {
      const sx = x < f.width ? x : bw - 1 - x;
      const sy = y < f.height ? y : bh - 1 - y;
      data.set(
        f.data.subarray(4 * (sy * f.width + sx), 4 * (sy * f.width + sx) + 4),
        4 * (y * bw + x),
      );
    }
  return { width: bw, height: bh, data };
}

const blocks = [block()];
const levels: TiledLevel[] = [];
for (let w = W, h = H, k = 0; ; w = Math.ceil(w / 2), h = Math.ceil(h / 2), k++) {
  if (k > 0) blocks.push(halve(blocks[k - 1]));
  const b = blocks[k];
  levels.push({
    width: w,
    height: h,
    tile(tx, ty, t) {
      const rgba = new Uint8Array(t * t * 4).fill(255);
      for (let y = 0; y < t && ty + y < h; y++) {
        const row = ((ty + y) % b.height) * b.width;
        // Copy runs of the block's row (split where the block repeats).
        for (let x = 0; x < t && tx + x < w;) {
          const sx = (tx + x) % b.width;
          const n = Math.min(t - x, b.width - sx, w - tx - x);
          rgba.set(b.data.subarray(4 * (row + sx), 4 * (row + sx + n)), 4 * (y * t + x));
          x += n;
        }
      }
      return rgba;
    },
  });
  if (Math.max(w, h) < 1024) break;
}
const t0 = Date.now();
const bytes = encodeTiledLevels(levels, { compression: 'jpeg', tile: 256, bigTiff: true });
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, bytes);
console.log(
  `${values.out}: ${W}×${H}, ${levels.length} levels, ${(bytes.length / 1e6).toFixed(1)} MB, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);
