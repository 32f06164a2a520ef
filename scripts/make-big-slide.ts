/**
 * Generate a big pyramidal tiled BigTIFF slide (JPEG tiles 256², levels halving down to < 1024
 * px) without ever holding it as one image: level-0 tiles repeat a 2 × 2 block of the seeded
 * synthetic bench field (src/cli/bench-inputs.ts, 1280 × 960 each), and each reduced level
 * repeats the block halved as often (issue 14: memory and throughput at 20,000 × 20,000).
 *
 *   npx tsx scripts/make-big-slide.ts [--width 20000] [--height 20000] [--out /tmp/big-slide.tif]
 *   npx tsx scripts/make-big-slide.ts --format jpeg --width 7745 --height 7745 --out /tmp/big.jpg
 *
 * `--format jpeg|png` writes the same level 0 as one plain JPEG (quality 90) or PNG, for large
 * JPEG/PNG slides (these are held whole in memory; keep them within the 60 MP limit).
 *
 * No data from ../shared, nothing committed: the file is generated on demand.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
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
    format: { type: 'string', default: 'tiff' },
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

/** Level 0 as one plain JPEG or PNG (RGB), built from the same tiles. */
function plain(format: string): Uint8Array {
  if (format !== 'jpeg' && format !== 'png') throw new Error('--format is tiff, jpeg or png');
  const rgba = new Uint8Array(W * H * 4);
  const l0 = levels[0];
  for (let ty = 0; ty < H; ty += 1024)
    for (let tx = 0; tx < W; tx += 1024) {
      const t = l0.tile(tx, ty, 1024);
      for (let y = 0; y < 1024 && ty + y < H; y++) {
        const n = Math.min(1024, W - tx);
        rgba.set(t.subarray(4 * y * 1024, 4 * (y * 1024 + n)), 4 * ((ty + y) * W + tx));
      }
    }
  if (format === 'jpeg')
    return new Uint8Array(jpeg.encode({ width: W, height: H, data: rgba }, 90).data);
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) rgb.set(rgba.subarray(4 * i, 4 * i + 3), 3 * i);
  return encodePng({ width: W, height: H, data: rgb, channels: 3, depth: 8 });
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
const bytes =
  values.format === 'tiff'
    ? encodeTiledLevels(levels, { compression: 'jpeg', tile: 256, bigTiff: true })
    : plain(values.format ?? '');
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, bytes);
console.log(
  `${values.out}: ${W}×${H}, ${values.format === 'tiff' ? levels.length : 1} levels, ${(bytes.length / 1e6).toFixed(1)} MB, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);
