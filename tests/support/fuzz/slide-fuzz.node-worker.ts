// Slide fuzz worker (issue 14): each mutated slide goes the way a dropped or CLI-given slide goes
// — the app's probe, open (directories, levels), region reads at every level including the
// edges, an analysis tile with its margin, a gallery crop — and must end in pixels or in one
// clear ImageDecodeError sentence. The parent (harness.ts) bounds each case in time and memory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { probeSlide } from '../../../src/core/slide/probe-slide';
import { fileByteSource } from '../../../src/cli/file-source';
import { ImageDecodeError } from '../../../src/core/image/errors';
import type { RgbaImage } from '../../../src/core/image/types';
import { planTiles } from '../../../src/core/slide/analyze-slide';
import { blobSource, type ByteSource } from '../../../src/core/slide/byte-source';
import { MAX_REGION_PIXELS, openTiffSlide } from '../../../src/core/slide/tiff-slide';
import { isClear } from './clear';
import { fuzzCase } from './mutate';
import type { SlideFuzzKind } from './slide-seeds';
import type { CaseOutcome, WorkerMessage } from './harness';

const { format, runSeed, from, to } = workerData as {
  format: SlideFuzzKind;
  runSeed: number;
  from: number;
  to: number;
};
const port = parentPort!;
const post = (m: WorkerMessage): void => port.postMessage(m);
const dir = mkdtempSync(join(tmpdir(), 'paplens-slide-fuzz-'));

/** Thrown when a read returns pixels that do not match the request (a reader bug). */
class BadRegion extends Error {}

function check(img: RgbaImage, w: number, h: number, what: string): void {
  if (img.width !== w || img.height !== h || img.data.length !== w * h * 4)
    throw new BadRegion(
      `${what}: asked ${w}×${h}, got ${img.width}×${img.height}, ${img.data.length} bytes`,
    );
}

/** The reads the viewer, the analysis and the gallery make, on a slide of any (damaged) shape. */
async function exercise(source: ByteSource): Promise<void> {
  const slide = await openTiffSlide(source);
  if (!(Number.isInteger(slide.width) && Number.isInteger(slide.height) && slide.levels.length > 0))
    throw new BadRegion(`slide ${slide.width}×${slide.height}, ${slide.levels.length} levels`);
  for (const [i, l] of slide.levels.entries()) {
    // The viewer's tiles: whole level when small, else its first tile; then the far corner
    // (a region that runs past the right and bottom edges) and one that starts before 0.
    const w = Math.min(l.width, 128);
    const h = Math.min(l.height, 128);
    check(await slide.readRegion(0, 0, w, h, i), w, h, `level ${i} first tile`);
    check(
      await slide.readRegion(l.width - 20, l.height - 12, 40, 24, i),
      40,
      24,
      `level ${i} far corner`,
    );
    check(await slide.readRegion(-8, -8, 24, 24, i), 24, 24, `level ${i} top-left overhang`);
  }
  // The analysis: the last tile of the plan with its margin clipped at the slide's edges.
  const tiles = planTiles(slide.width, slide.height, 64);
  const t = tiles[tiles.length - 1];
  const rx = Math.max(0, t.x - 16);
  const ry = Math.max(0, t.y - 16);
  const rw = Math.min(slide.width, t.x + t.w + 16) - rx;
  const rh = Math.min(slide.height, t.y + t.h + 16) - ry;
  if (rw * rh <= MAX_REGION_PIXELS)
    check(await slide.readRegion(rx, ry, rw, rh), rw, rh, 'analysis tile');
  // A gallery crop around a nucleus near the middle.
  const s = 40;
  const cx = Math.round(slide.width / 2 - s / 2);
  const cy = Math.round(slide.height / 2 - s / 2);
  check(await slide.readRegion(cx, cy, s, s, 0), s, s, 'gallery crop');
}

function outcomeOf(e: unknown): CaseOutcome {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof BadRegion) return { kind: 'bad-image', message };
  return e instanceof ImageDecodeError && isClear(message)
    ? { kind: 'clear-error' }
    : { kind: 'unclear-error', message: `${e instanceof Error ? e.name : typeof e}: ${message}` };
}

for (let i = from; i < to; i++) {
  const c = fuzzCase(format, runSeed, i);
  post({ type: 'start', index: i });
  const t0 = performance.now();
  let outcome: CaseOutcome = { kind: 'image' };
  try {
    // The app: probe the dropped File; a "damaged" verdict is shown to the user as it is.
    const blob = blobSource(new Blob([c.bytes as BlobPart]));
    const probe = await probeSlide(blob);
    if (probe.kind === 'damaged' && !isClear(probe.message))
      outcome = { kind: 'unclear-error', message: `probe: ${probe.message}` };
    // The app's readers work over the File, the CLI over a file descriptor: alternate.
    if (i % 2 === 0) await exercise(blob);
    else {
      const file = join(dir, `${i}.tif`);
      writeFileSync(file, c.bytes);
      const src = fileByteSource(file);
      try {
        await exercise(src);
      } finally {
        src.close();
        rmSync(file);
      }
    }
  } catch (e) {
    if (outcome.kind === 'image') outcome = outcomeOf(e);
  }
  post({ type: 'end', index: i, ms: performance.now() - t0, outcome });
}
rmSync(dir, { recursive: true, force: true });
