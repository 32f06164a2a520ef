/**
 * Peak memory of decoding one image whole with the shipped decoder (decodeImage: jpeg-js,
 * fast-png, …) in Node: what a large JPEG/PNG slide costs for the seconds of its decode (issue 14).
 *
 *   /usr/bin/time -v npx tsx scripts/decode-memory.ts /tmp/big.jpg   # "Maximum resident set size"
 */
import { readFileSync } from 'node:fs';
import { decodeImage } from '../src/core/image/decode';

const file = process.argv[2];
if (!file) throw new Error('usage: npx tsx scripts/decode-memory.ts FILE');
const bytes = new Uint8Array(readFileSync(file));
const before = process.memoryUsage().rss;
const t0 = performance.now();
const img = await decodeImage(bytes);
const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `${file}: ${img.width}×${img.height} in ${(performance.now() - t0).toFixed(0)} ms; RSS before ${mb(before)}, after ${mb(process.memoryUsage().rss)} (the peak: /usr/bin/time -v)`,
);
