import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initNodeTf } from '../src/cli/tf-node';
import { analyze } from '../src/core/analyze';
import { loadPipelineModels, type PipelineModels } from '../src/core/pipeline/models';
import { syntheticSegImage } from '../src/core/segment/bench';
import { analyzeSlide, planTiles } from '../src/core/slide/analyze-slide';
import { memorySource } from '../src/core/slide/byte-source';
import { openTiffSlide } from '../src/core/slide/tiff-slide';
import { REPO_ROOT } from '../src/data/paths';
import { nodeModelSource } from '../src/models/node-source';
import { encodeSlide, halve } from './support/slide-writer';

const shipped = existsSync(join(REPO_ROOT, 'public', 'models', 'seg', 'model.json'));

describe('planTiles', () => {
  it('covers the slide exactly once', () => {
    const tiles = planTiles(1000, 700, 256);
    expect(tiles).toHaveLength(4 * 3);
    expect(tiles.reduce((s, t) => s + t.w * t.h, 0)).toBe(1000 * 700);
    expect(tiles[tiles.length - 1]).toMatchObject({ x: 768, y: 512, w: 232, h: 188 });
  });
});

describe.skipIf(!shipped)('analyzeSlide (shipped segmentation model)', () => {
  let models: PipelineModels;
  afterAll(() => models?.dispose());

  it('tile by tile finds the nuclei of the whole image once each, in level-0 coordinates', async () => {
    await initNodeTf();
    models = await loadPipelineModels(nodeModelSource(), { classifier: false });
    const img = syntheticSegImage(640, 480, 24, 12, 7);
    const slide = await openTiffSlide(
      memorySource(encodeSlide(img, { compression: 'lzw', tile: 128 })),
    );
    const progress: number[] = [];
    const added: number[] = [];
    const r = await analyzeSlide(slide, models, {
      tile: 256,
      margin: 64,
      onProgress: (p) => progress.push(p.tilesDone),
      onTile: (_t, found) => added.push(...found.map((n) => n.id)),
    });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    // What the tiles reported, in order, is the whole result (what the app keeps to resume).
    expect(added).toEqual(r.nuclei.map((n) => n.id));
    const whole = await analyze(img, models, { mode: 'field' });
    expect(whole.nuclei.length).toBeGreaterThan(10);
    const near = (a: { x: number; y: number }, b: { x: number; y: number }) =>
      Math.hypot(a.x - b.x, a.y - b.y) < 4;
    // Nuclei of the whole image are found once each on the slide; tiling may shift a split
    // between touching nuclei, so allow a few to differ, but never a duplicate.
    const matched = whole.nuclei.filter(
      (n) => r.nuclei.filter((m) => near(m.centroid, n.centroid)).length === 1,
    ).length;
    expect(matched / whole.nuclei.length).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(r.nuclei.length - whole.nuclei.length)).toBeLessThanOrEqual(
      Math.ceil(0.1 * whole.nuclei.length),
    );
    for (const [i, n] of r.nuclei.entries())
      expect(r.nuclei.slice(i + 1).some((m) => near(m.centroid, n.centroid))).toBe(false);
    console.log(
      `slide vs whole image: ${r.nuclei.length} vs ${whole.nuclei.length} nuclei, ${matched} matched`,
    );
    expect(r.slide).toMatchObject({ tiles: 6, tilesDone: 6 });
    expect(r.slide.megapixelsPerSecond).toBeGreaterThan(0);
    // Contours are in slide coordinates: the centroid lies inside the contour's bounding box.
    for (const n of r.nuclei) {
      const xs = n.contour.map((p) => p[0]);
      expect(Math.min(...xs) <= n.centroid.x && n.centroid.x <= Math.max(...xs)).toBe(true);
    }
  }, 120_000);

  it("a slide scanned at half the working magnification is analysed at ×2 from its file's pixel size, or estimated without one", async () => {
    // Native image (working scale), and the same scene at half the pixels per µm: a scanner
    // at 0.346 µm/px against the working 0.173, its calibration in XResolution.
    const native = syntheticSegImage(768, 512, 14, 12, 9);
    const half = halve(native);
    const calibrated = await openTiffSlide(
      memorySource(encodeSlide(half, { compression: 'lzw', tile: 128, pixelSizeUm: 0.346 })),
    );
    const r = await analyzeSlide(calibrated, models, { tile: 256 });
    expect(r.scaleSource).toBe('file');
    expect(r.scale).toBeCloseTo(2, 2);
    expect(r.warnings.join(' ')).toMatch(
      /rescaled by ×2\.000 .*file's calibration \(XResolution\)/,
    );
    const ref = await analyze(native, models, { mode: 'field', scale: 1 });
    // Every native nucleus is found once at half its position (level-0 pixels of the slide).
    const foundIn = (nuclei: typeof r.nuclei): number =>
      ref.nuclei.filter(
        (n) =>
          nuclei.filter(
            (m) => Math.hypot(m.centroid.x - n.centroid.x / 2, m.centroid.y - n.centroid.y / 2) < 3,
          ).length === 1,
      ).length;
    const found = foundIn(r.nuclei);
    expect(ref.nuclei.length).toBeGreaterThanOrEqual(10);
    expect(found / ref.nuclei.length).toBeGreaterThanOrEqual(0.9);
    // The user's pixel size wins: told it is the working pixel size, the tiles stay at ×1.
    const asIs = await analyzeSlide(calibrated, models, { tile: 256, pixelSizeUm: 0.173 });
    expect(asIs).toMatchObject({ scale: 1, scaleSource: 'user' });
    // As before this change (every slide at ×1) most of them are missed.
    expect(foundIn(asIs.nuclei)).toBeLessThan(found / 2);
    // Without a calibration the factor is estimated from the slide's nuclei (slide-scale.ts).
    const plain = await openTiffSlide(
      memorySource(encodeSlide(half, { compression: 'lzw', tile: 128 })),
    );
    const auto = await analyzeSlide(plain, models, { tile: 256 });
    expect(auto).toMatchObject({ scale: 2, scaleSource: 'auto' });
    expect(auto.warnings.join(' ')).toMatch(/rescaled by ×2\.000, estimated from the nuclei/);
    expect(foundIn(auto.nuclei)).toBe(found);
    console.log(
      `half-magnification slide: ${found}/${ref.nuclei.length} native nuclei found at ×2 (file), ${foundIn(auto.nuclei)} at ×2 (estimated), ${foundIn(asIs.nuclei)} at ×1`,
    );
  }, 180_000);

  it('resumes from a tile and can be cancelled', async () => {
    const img = syntheticSegImage(512, 256, 10, 12, 8);
    const slide = await openTiffSlide(
      memorySource(encodeSlide(img, { compression: 'deflate', tile: 128 })),
    );
    const full = await analyzeSlide(slide, models, { tile: 256 });
    const firstTile = full.nuclei.filter((n) => n.centroid.x < 256);
    const resumed = await analyzeSlide(slide, models, {
      tile: 256,
      resume: { startTile: 1, nuclei: firstTile },
    });
    expect(resumed.nuclei.map((n) => n.centroid)).toEqual(full.nuclei.map((n) => n.centroid));
    // keepNuclei: false (the app): the same tile reports and counts, no second copy in the result.
    const reported: number[] = [];
    const lean = await analyzeSlide(slide, models, {
      tile: 256,
      keepNuclei: false,
      resume: { startTile: 1, nuclei: firstTile },
      onTile: (_t, found) => reported.push(...found.map((n) => n.id)),
    });
    expect(lean.nuclei).toEqual([]);
    expect(lean.slide.nuclei).toBe(full.nuclei.length);
    expect(lean.slide.counts).toEqual(full.slide.counts);
    expect(lean.slide.squamousEstimate).toBe(full.slide.squamousEstimate);
    expect([...firstTile.map((n) => n.id), ...reported]).toEqual(full.nuclei.map((n) => n.id));
    const ctl = new AbortController();
    ctl.abort();
    await expect(analyzeSlide(slide, models, { signal: ctl.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  }, 120_000);
});
