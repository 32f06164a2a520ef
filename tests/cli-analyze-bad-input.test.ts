import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runCli } from './support/run-cli';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../src/data/paths';
import { badInputCases, frozenLzwTiff, jpg, png } from './support/bad-inputs';
import type { AnalyzeJson } from '../src/cli/commands/analyze';
import { syntheticSegImage } from '../src/core/segment/bench';
import { encodeSlide } from './support/slide-writer';
import { encode as encodePng } from 'fast-png';
import { getIssues } from '@placemarkio/check-geojson';

/**
 * Issue 7, bad input in the CLI with the SHIPPED models: every corpus file that must be refused
 * makes `paplens analyze` exit 1 with one line carrying the decoder's message; a missing model
 * file or a corrupt shard (one flipped byte → SHA-256 mismatch) exits 1 naming the file.
 * tests/analyze.test.ts covers usage errors and one junk file with toy models; not repeated here.
 */
const MODELS = join(REPO_ROOT, 'public', 'models');
const manifestPath = join(MODELS, 'manifest.json');
const shipped =
  existsSync(manifestPath) &&
  ((JSON.parse(readFileSync(manifestPath, 'utf8')) as { files?: unknown[] }).files?.length ?? 0) >
    0;
if (!shipped)
  console.warn('skipped: public/models/manifest.json lists no shipped models (nothing to load)');

describe.skipIf(!shipped)('paplens analyze: bad input and damaged models (shipped models)', () => {
  const work = mkdtempSync(join(tmpdir(), 'paplens-bad-cli-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('every refused corpus case → exit 1 with its one-line message', async () => {
    const refused = badInputCases().filter((c) => c.error !== null);
    expect(refused.length).toBeGreaterThanOrEqual(25);
    for (const c of refused) {
      const file = join(work, c.file);
      writeFileSync(file, c.bytes);
      const r = await runCli(['analyze', file]);
      expect(r.code, c.name).toBe(1);
      expect(r.err.split('\n'), c.name).toHaveLength(1);
      expect(r.err, c.name).toMatch(c.error!);
      expect(r.err, c.name).toContain(c.file);
      expect(r.err, c.name).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
    }
  });

  it('a bad PAPLENS_SEG_WORKERS is a usage error, not silently ignored', async () => {
    const good = badInputCases().find((c) => c.name === 'exactly 16×16 png')!;
    const img = join(work, `seg-workers-${good.file}`);
    writeFileSync(img, good.bytes);
    vi.stubEnv('PAPLENS_SEG_WORKERS', 'two');
    const r = await runCli(['analyze', img, img, '--jobs', '1']);
    vi.unstubAllEnvs();
    expect(r.code).toBe(2);
    expect(r.err).toContain('PAPLENS_SEG_WORKERS must be 0 or more, got "two"');
  });

  it('a corrupt weights shard → exit 1 naming the file (SHA-256 mismatch)', async () => {
    const good = badInputCases().find((c) => c.name === 'exactly 16×16 png')!;
    const img = join(work, good.file);
    writeFileSync(img, good.bytes);
    for (const shard of ['seg/weights.bin', 'cnn/darknet/weights.bin', 'cls/weights.bin']) {
      const dir = join(work, `models-${shard.replace(/\W/g, '_')}`);
      cpSync(MODELS, dir, { recursive: true });
      const p = join(dir, shard);
      const bytes = readFileSync(p);
      bytes[bytes.length >> 1] ^= 0xff;
      writeFileSync(p, bytes);
      // Through PAPLENS_MODELS, as a user would point the CLI at another model folder.
      vi.stubEnv('PAPLENS_MODELS', dir);
      const r = await runCli(['analyze', img]);
      vi.unstubAllEnvs();
      expect(r.code, shard).toBe(1);
      expect(r.err.split('\n'), shard).toHaveLength(1);
      expect(r.err, shard).toContain(shard);
      expect(r.err, shard).toMatch(/damaged|SHA-256/i);
    }
  });

  it('a missing model file → exit 1 naming the file', async () => {
    const good = badInputCases().find((c) => c.name === 'exactly 16×16 png')!;
    const img = join(work, good.file);
    writeFileSync(img, good.bytes);
    for (const shard of ['seg/weights.bin', 'cnn/mobilenet/weights.bin']) {
      const dir = join(work, `missing-${shard.replace(/\W/g, '_')}`);
      cpSync(MODELS, dir, { recursive: true });
      rmSync(join(dir, shard));
      const r = await runCli(['analyze', img, '--models', dir]);
      expect(r.code, shard).toBe(1);
      expect(r.err.split('\n'), shard).toHaveLength(1);
      expect(r.err, shard).toContain(shard);
      expect(r.err, shard).toMatch(/missing/i);
    }
  });

  it('a batch goes on past a damaged (formerly freezing) TIFF and a missing file; exit 1 at the end', async () => {
    const a = join(work, 'batch-a.png');
    const b = join(work, 'batch-b.jpg');
    const frozen = join(work, 'batch-frozen.tif');
    const missing = join(work, 'batch-missing.png');
    const json = join(work, 'batch.json');
    writeFileSync(a, png(64, 64));
    writeFileSync(b, jpg(80, 60));
    writeFileSync(frozen, frozenLzwTiff());
    const r = await runCli(['analyze', a, frozen, missing, b, '--json', json]);
    expect(r.code).toBe(1);
    const out = JSON.parse(readFileSync(json, 'utf8')) as AnalyzeJson;
    expect(out.images.map((i) => i.file)).toEqual([a, b]);
    expect(out.errors.map((e) => e.file)).toEqual([frozen, missing]);
    expect(out.errors[0].error).toMatch(/^The TIFF file is corrupt/);
    expect(out.errors[1].error).toMatch(/not found/);
    // One line per failed file, then the summary; no stack traces.
    const lines = r.err.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.filter((l) => l.includes(frozen))).toHaveLength(1);
    expect(lines.filter((l) => l.includes(missing))).toHaveLength(1);
    expect(lines[2]).toMatch(/2 of 4 files could not be analysed/);
    // Progress: every file is counted once, analysed or not ([k/4]).
    const steps = `${r.out}\n${r.err}`.match(/\[\d\/4\]/g) ?? [];
    expect(steps.sort()).toEqual(['[1/4]', '[2/4]', '[3/4]', '[4/4]']);
    expect(r.err).not.toMatch(/\bat .*\.ts:\d+/);
  }, 120_000);

  it('one analysis thread per core gives the same results as one thread (--jobs 2 vs --jobs 1)', async () => {
    const files = [png(96, 80), jpg(120, 90), png(140, 100)].map((b, i) => {
      const f = join(work, `jobs-${i}.${i === 1 ? 'jpg' : 'png'}`);
      writeFileSync(f, b);
      return f;
    });
    const strip = (j: AnalyzeJson) => j.images.map(({ timings: _t, ...rest }) => rest);
    const runWith = async (jobs: string): Promise<AnalyzeJson> => {
      const json = join(work, `jobs-${jobs}.json`);
      const r = await runCli(['analyze', ...files, '--jobs', jobs, '--json', json]);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(readFileSync(json, 'utf8')) as AnalyzeJson;
    };
    const one = await runWith('1');
    const two = await runWith('2');
    expect(one.images.map((i) => i.file)).toEqual(files);
    expect(strip(two)).toEqual(strip(one));
    // One thread: LBP + SURF on the descriptor worker thread beside the CNNs (only the wait is
    // timed here); the pool's threads compute them inline. Same numbers either way (above).
    const stages = (j: AnalyzeJson) =>
      new Set(j.images.flatMap((i) => i.timings.map((t) => t.stage)));
    expect(stages(two).has('surf_bof')).toBe(true);
    expect(stages(one).has('lbp_bof_wait')).toBe(true);
    expect(stages(one).has('surf_bof')).toBe(false);
  }, 180_000);

  it('a large PNG is a slide too (decoded once, analysed tile by tile): the same nuclei as the same pixels in a tiled TIFF', async () => {
    const img = syntheticSegImage(1300, 600, 24, 12, 5);
    const pngFile = join(work, 'raster.png');
    const tifFile = join(work, 'raster.tif');
    writeFileSync(
      pngFile,
      encodePng({ width: 1300, height: 600, data: img.data, channels: 4, depth: 8 }),
    );
    writeFileSync(tifFile, encodeSlide(img, { compression: 'lzw', tile: 256 }));
    const json = join(work, 'raster.json');
    // Below 16 MP a PNG is an image; --slide asks for the slide path a ≥ 16 MP one takes.
    const r = await runCli(['analyze', pngFile, tifFile, '--slide', '--json', json]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/raster\.png: slide 1300×600, 1 level\(s\)/);
    expect(r.out).toMatch(/tile 2\/2/);
    const out = JSON.parse(readFileSync(json, 'utf8')) as {
      images: { nuclei: { centroid: { x: number; y: number } }[] }[];
    };
    const [fromPng, fromTif] = out.images.map((i) => i.nuclei.map((n) => n.centroid));
    expect(fromPng.length).toBeGreaterThan(12);
    expect(fromPng).toEqual(fromTif);
  }, 300_000);

  it('a truncated large PNG (a 16 MP header, no pixels) is refused with one message', async () => {
    const head = encodePng({ width: 1, height: 1, data: new Uint8Array(3), channels: 3, depth: 8 });
    const bytes = head.slice(0, 33);
    new DataView(bytes.buffer).setUint32(16, 4000);
    new DataView(bytes.buffer).setUint32(20, 4000);
    const file = join(work, 'truncated-big.png');
    writeFileSync(file, bytes);
    const r = await runCli(['analyze', file]);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/PNG file is corrupt or truncated/);
  }, 120_000);

  it('a slide (tiled TIFF) is analysed tile by tile; GeoJSON detections in level-0 coordinates', async () => {
    const img = syntheticSegImage(1300, 600, 24, 12, 5);
    const file = join(work, 'slide.tif');
    writeFileSync(file, encodeSlide(img, { compression: 'jpeg', tile: 256, pyramidLevels: 2 }));
    const json = join(work, 'slide.json');
    const geo = join(work, 'slide.geojson');
    const r = await runCli([
      'analyze',
      file,
      '--slide',
      '--json',
      json,
      '--geojson',
      geo,
      '--classify-set-aside',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/slide 1300×600, 3 level\(s\); analysing tile by tile/);
    // Not applied to slides, and said so rather than ignored.
    expect(r.out).toMatch(/--classify-set-aside applies to images, not slides/);
    // No pixel size in the file: estimated from sample windows (the synthetic nuclei: ×1).
    expect(r.out).toMatch(/scale ×1\.000 \(auto: factors [\d., ]+ from 2 sample windows\)/);
    expect(r.out).toMatch(/tile 2\/2/);
    const out = JSON.parse(readFileSync(json, 'utf8')) as {
      images: { nuclei: { centroid: { x: number } }[]; slide: { tiles: number } }[];
    };
    expect(out.images[0].slide.tiles).toBe(2);
    const n = out.images[0].nuclei.length;
    expect(n).toBeGreaterThan(12);
    // Level-0 coordinates: nuclei beyond the first tile exist.
    expect(out.images[0].nuclei.some((x) => x.centroid.x > 1024)).toBe(true);
    const g = JSON.parse(readFileSync(geo, 'utf8')) as {
      type: string;
      features: {
        type: string;
        geometry: { type: string; coordinates: [number, number][][] };
        properties: {
          objectType: string;
          classification?: { name: string; color: number[] };
          measurements: Record<string, number>;
        };
      }[];
    };
    // The GeoJSON QuPath imports as detections: valid RFC 7946 GeoJSON (an independent
    // checker), closed polygon rings, numeric measurements.
    expect(getIssues(readFileSync(geo, 'utf8'))).toEqual([]);
    expect(g.type).toBe('FeatureCollection');
    expect(g.features).toHaveLength(n);
    for (const f of g.features) {
      expect(f.type).toBe('Feature');
      expect(f.geometry.type).toBe('Polygon');
      const ring = f.geometry.coordinates[0];
      expect(ring.length).toBeGreaterThanOrEqual(4);
      expect(ring[0]).toEqual(ring[ring.length - 1]);
      expect(f.properties.objectType).toBe('detection');
      for (const v of Object.values(f.properties.measurements))
        expect(Number.isFinite(v)).toBe(true);
      if (f.properties.classification) expect(f.properties.classification.color).toHaveLength(3);
    }
  }, 300_000);
});
