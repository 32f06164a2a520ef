import { create } from 'zustand';
import type { AnalysisMode, AnalysisResult, Nucleus, ScaleSource } from '../core/types';
import { planTiles, type SlideProgress, type SlideSummary } from '../core/slide/analyze-slide';
import type { SlideInfo, SlideProbe } from '../core/slide/probe-slide';
import { slideReader } from './slide/reader-client';
import type { RgbaImage } from '../core/image/types';
import { client, Comlink } from './client';
import { decoder } from './decode-client';
import { byAbnormality } from './draw';
import type {
  BackendInfo,
  BackendName,
  DownloadProgress,
  MemoryInfo,
  ModelStatus,
  SlideTileProgress,
  StageProgress,
} from './worker/protocol';

/** Images whose longer side is at most this are treated as single-cell crops (Herlev/CRIC cells are ~100–200 px). */
export const CELL_MAX_SIDE = 256;

export function autoMode(width: number, height: number): AnalysisMode {
  return Math.max(width, height) <= CELL_MAX_SIDE ? 'cell' : 'field';
}

export type ItemStatus =
  'queued' | 'decoding' | 'analysing' | 'done' | 'viewed' | 'error' | 'cancelled';

export interface ImageItem {
  id: string;
  name: string;
  bytes: number;
  status: ItemStatus;
  error?: string;
  image?: RgbaImage;
  mode?: AnalysisMode;
  /** Set when the user overrode the automatic cell/field choice for this image. */
  modeOverridden?: boolean;
  result?: AnalysisResult;
  stage?: StageProgress;
  ms?: number;
  /** A whole slide (issue 14): never decoded whole; read tile by tile from `file`. */
  slide?: SlideInfo;
  file?: File;
  /** Before the first tile reports, the factor is not known yet. */
  slideProgress?: Omit<SlideProgress, 'scale' | 'scaleSource'> &
    Partial<Pick<SlideProgress, 'scale' | 'scaleSource'>>;
  /**
   * Nuclei of the slide's tiles finished so far (level-0 coordinates) and the time spent on them:
   * shown while it runs, and where Resume continues after a cancel (kept here, on the page, so
   * it survives the analysis worker being restarted).
   */
  /**
   * A slide's finished tiles (for Resume), with the factor they were analysed at (null before the
   * first tile): a Resume keeps it even if the setting changed meanwhile, so one slide is never
   * analysed at two scales.
   */
  partial?: {
    startTile: number;
    nuclei: Nucleus[];
    ms: number;
    scale: { scale: number; scaleSource: ScaleSource } | null;
  };
  slideSummary?: SlideSummary;
}

export type ModeSetting = 'auto' | AnalysisMode;

interface State {
  phase: 'starting' | 'loading-models' | 'ready' | 'failed';
  backend: BackendInfo | null;
  models: ModelStatus | null;
  download: DownloadProgress | null;
  items: ImageItem[];
  selectedId: string | null;
  /** Nucleus pinned by click (or keyboard); hover shows without pinning. */
  selectedNucleus: number | null;
  hoveredNucleus: number | null;
  overlayVisible: boolean;
  overlayOpacity: number;
  /** Draw field objects set aside as `Other` (muted); they are never counted either way. */
  showOther: boolean;
  /** µm per image pixel entered by the user; null = default estimate. */
  pixelSizeUm: number | null;
  modeSetting: ModeSetting;
  running: boolean;
  batch: { total: number; done: number } | null;
  error: string | null;
  memory: MemoryInfo | null;
  updateAvailable: (() => void) | null;
  offlineReady: boolean;

  start(
    preferred?: BackendName | null,
    segWorkers?: number | null,
    idleStopS?: number | null,
  ): Promise<void>;
  addFiles(files: File[]): void;
  /**
   * An image is probably coming (a file dragged over the page, the file picker opened): helper
   * workers stopped for idleness start now rather than when the image arrives.
   */
  expectImage(): void;
  cancel(): void;
  /** Continue a cancelled slide from its first unfinished tile. */
  resume(id: string): void;
  select(id: string | null, nucleus?: number | null): void;
  selectNucleus(id: number | null): void;
  hoverNucleus(id: number | null): void;
  setOverlayVisible(v: boolean): void;
  setOverlayOpacity(v: number): void;
  setShowOther(v: boolean): void;
  setPixelSize(v: number | null): void;
  setModeSetting(m: ModeSetting): void;
  setItemMode(id: string, mode: AnalysisMode): void;
  /**
   * "Classify anyway": run the classifier on one object of the selected image's result (one the
   * Other gate set aside before classification) and put its probabilities into the result.
   */
  classifyAnyway(nucleusId: number): Promise<void>;
  refreshMemory(): Promise<void>;
  clear(): void;
}

let nextId = 1;
/** The slide analysis in flight (its late tile reports are told apart from a newer run's). */
let slideRun: symbol | null = null;
/** Bumped on cancel: a processing loop that sees a newer generation stops. */
let generation = 0;
let preferredBackend: BackendName | null = null;
let segWorkersWanted: number | null = null;
let idleStopSWanted: number | null = null;
let cancelWaiters: (() => void)[] = [];
/** The worker call in flight (decode or analyze), to know whether a cooperative cancel worked. */
let inflight: Promise<unknown> | null = null;
const pendingBytes = new Map<string, File>();
/** Large JPEG/PNG slides: their shared pixel levels (if any), kept for Resume. */
const rasters = new Map<string, { levels?: RgbaImage[] }>();
/** After its analysis a raster slide's pixels are the reader's alone (a Resume decodes again). */
function releaseRaster(id: string): void {
  if (rasters.has(id)) rasters.set(id, {});
}

/** Set by Cancel until the cancelled worker call has stopped (or the worker was restarted). */
let settling: Promise<void> | null = null;

/** Stops the decode in flight (terminates the decode worker) when the user cancels. */
let decodeAbort: AbortController | null = null;

class Cancelled extends Error {}
/** Rejects the call in flight when the analysis worker crashes (see AnalysisClient.onCrash). */
let crashWaiters: ((e: Error) => void)[] = [];

/** Resolve with the worker call, or reject with Cancelled as soon as the user cancels. */
function cancellable<T>(p: Promise<T>): Promise<T> {
  inflight = p;
  return new Promise<T>((resolve, reject) => {
    const waiter = () => reject(new Cancelled('cancelled'));
    const crashed = (e: Error) => reject(e);
    cancelWaiters.push(waiter);
    crashWaiters.push(crashed);
    const done = () => {
      cancelWaiters = cancelWaiters.filter((w) => w !== waiter);
      crashWaiters = crashWaiters.filter((w) => w !== crashed);
    };
    p.then(
      (v) => {
        done();
        resolve(v);
      },
      (e: unknown) => {
        done();
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** A copy of the page's image, moved to the worker: the page keeps `image` for the viewer. */
function transferredCopy(image: RgbaImage): RgbaImage {
  const copy: RgbaImage = { width: image.width, height: image.height, data: image.data.slice() };
  return Comlink.transfer(copy, [copy.data.buffer]);
}

function message(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export const useStore = create<State>((set, get) => {
  const patchItem = (id: string, patch: Partial<ImageItem>) =>
    set((s) => ({ items: s.items.map((it) => (it.id === id ? { ...it, ...patch } : it)) }));

  async function boot(): Promise<void> {
    set({ phase: 'starting', download: null });
    const api = client.api;
    let backend: BackendInfo;
    try {
      backend = await api.init(preferredBackend, segWorkersWanted, idleStopSWanted);
    } catch (e) {
      set({ phase: 'failed', error: `The analysis engine could not start: ${message(e)}` });
      return;
    }
    set({ backend, phase: 'loading-models' });
    try {
      const models = await api.loadModels(
        Comlink.proxy((p: DownloadProgress) => set({ download: p })),
      );
      set({ models, phase: 'ready' });
    } catch (e) {
      set({
        models: {
          ready: false,
          message: `The models could not be loaded: ${message(e)}`,
          missing: [],
          versions: {},
          totalBytes: 0,
          loadMs: 0,
        },
        phase: 'ready',
      });
    }
    void get().refreshMemory();
  }

  let booting: Promise<void> | null = null;

  // A crashed worker: fail the call in flight with a clear message, then start a fresh engine
  // (models come back from the cache) so the next image works.
  client.onCrash((reason) => {
    const err = new Error(
      `The analysis engine stopped unexpectedly (${reason}); it has been restarted. Try this image again, or a smaller one.`,
    );
    const waiters = crashWaiters;
    crashWaiters = [];
    waiters.forEach((w) => w(err));
    client.restart();
    booting = boot();
  });

  async function processQueue(): Promise<void> {
    if (get().running) return;
    const gen = generation;
    set({ running: true });
    try {
      if (settling) await settling;
      if (booting) await booting;
      for (;;) {
        if (gen !== generation) return;
        const item = get().items.find((it) => it.status === 'queued');
        if (!item) break;
        await processItem(item);
        set((s) => ({ batch: s.batch ? { ...s.batch, done: s.batch.done + 1 } : null }));
      }
    } finally {
      if (gen === generation) set({ running: false });
      void get().refreshMemory();
    }
  }

  async function processItem(item: ImageItem): Promise<void> {
    const t0 = performance.now();
    try {
      // After a worker crash the engine is restarting: wait for it, so this image still works.
      if (booting) await booting;
      if (item.slide) return await processSlide(item, t0);
      let image = item.image;
      if (!image) {
        patchItem(item.id, { status: 'decoding', stage: { stage: 'decoding', fraction: 0 } });
        const file = pendingBytes.get(item.id);
        if (!file) throw new Error('The file could not be read.');
        // A whole slide is never decoded whole: only its directories are read, in the slide
        // reader worker; a JPEG/PNG only its header.
        const probe = await cancellable<SlideProbe>(
          slideReader().probe(file) as Promise<SlideProbe>,
        );
        if (probe.kind === 'damaged') throw new Error(probe.message);
        if (probe.kind === 'slide') {
          pendingBytes.delete(item.id);
          patchItem(item.id, { slide: probe.info, file, stage: undefined });
          return await processSlide({ ...item, slide: probe.info, file }, t0);
        }
        const buf = await file.arrayBuffer();
        // In the decode worker under a time budget: a damaged file that would decode for ever
        // is stopped with a clear message, and Cancel stops it at once.
        decodeAbort = new AbortController();
        image = await cancellable(decoder.decode(buf, { signal: decodeAbort.signal }));
        decodeAbort = null;
        pendingBytes.delete(item.id);
        if (probe.kind === 'raster') {
          // A large JPEG/PNG becomes a slide: the reader holds it (with a pyramid) for the
          // viewer, and shares it with the analysis worker where memory can be shared.
          const opened = await cancellable(
            slideReader().openRaster(file, Comlink.transfer(image, [image.data.buffer])),
          );
          rasters.set(item.id, { levels: opened.levels });
          patchItem(item.id, { slide: opened.info, file, stage: undefined });
          return await processSlide({ ...item, slide: opened.info, file }, t0);
        }
      }
      const mode =
        item.modeOverridden && item.mode
          ? item.mode
          : get().modeSetting === 'auto'
            ? autoMode(image.width, image.height)
            : (get().modeSetting as AnalysisMode);
      // In auto mode the size rule is only a first guess for the viewer; the worker decides from
      // the content (one centred nucleus vs many) and the result's mode replaces it.
      const modeFromContent = !(item.modeOverridden && item.mode) && get().modeSetting === 'auto';
      patchItem(item.id, { image, mode });
      const models = get().models;
      if (!models?.ready) {
        patchItem(item.id, { status: 'viewed', stage: undefined, ms: performance.now() - t0 });
        return;
      }
      patchItem(item.id, { status: 'analysing', stage: { stage: 'starting', fraction: 0 } });
      const result = await cancellable(
        client.api.analyze(
          transferredCopy(image),
          // A calibrated pixel size sets the scale; otherwise it is estimated from the image.
          {
            mode: modeFromContent ? 'auto' : mode,
            name: item.name,
            pixelSizeUm: get().pixelSizeUm ?? undefined,
          },
          Comlink.proxy((p: StageProgress) => patchItem(item.id, { stage: p })),
        ),
      );
      patchItem(item.id, {
        status: 'done',
        result,
        mode: result.mode,
        stage: undefined,
        ms: performance.now() - t0,
      });
      // A single-cell result is one nucleus: show its probabilities without making the user click.
      if (
        result.mode === 'cell' &&
        result.nuclei.length > 0 &&
        get().selectedId === item.id &&
        get().selectedNucleus === null
      )
        set({
          selectedNucleus:
            result.nuclei.find((n) => n.primary)?.id ??
            [...result.nuclei].sort(byAbnormality)[0].id,
        });
    } catch (e) {
      if (e instanceof Cancelled) {
        patchItem(item.id, { status: 'cancelled', stage: undefined });
        return;
      }
      const msg = message(e);
      patchItem(item.id, { status: 'error', error: msg, stage: undefined });
      set({ error: `${item.name}: ${msg}` });
    }
  }

  /** Run (or resume) a slide in the analysis worker; the page keeps each finished tile. */
  async function processSlide(item: ImageItem, t0: number): Promise<void> {
    const slide = item.slide!;
    const file = item.file!;
    if (!get().models?.ready) {
      patchItem(item.id, { status: 'viewed', stage: undefined, ms: performance.now() - t0 });
      return;
    }
    const run = Symbol('slide run');
    slideRun = run;
    let kept = item.partial ?? {
      startTile: 0,
      nuclei: [],
      ms: 0,
      scale: null,
    };
    const tiles = planTiles(slide.width, slide.height).length;
    patchItem(item.id, {
      status: 'analysing',
      stage: undefined,
      result: undefined,
      slideProgress: {
        tilesDone: kept.startTile,
        tiles,
        nuclei: kept.nuclei.length,
        elapsedMs: 0,
        etaMs: Number.NaN,
      },
    });
    const msBefore = kept.ms;
    const onTile = ({ progress, added }: SlideTileProgress) => {
      // A late tile of a cancelled run is still kept (it is finished); once a newer run started,
      // the old run's reports are ignored.
      if (slideRun !== run) return;
      // A new array per tile (pointer copies only): the viewer and the gallery redraw when the
      // array changes, so appending in place would leave them showing the first tile.
      kept = {
        ...kept,
        startTile: progress.tilesDone,
        nuclei: kept.nuclei.concat(added),
        ms: msBefore + progress.elapsedMs,
        scale: { scale: progress.scale, scaleSource: progress.scaleSource },
      };
      patchItem(item.id, { slideProgress: progress, partial: kept });
    };
    const outcome = await cancellable(
      client.api.analyzeSlide(
        file,
        {
          name: item.name,
          raster: rasters.get(item.id),
          pixelSizeUm: get().pixelSizeUm ?? undefined,
          scale: kept.scale ?? undefined,
          resume:
            kept.startTile > 0 ? { startTile: kept.startTile, nuclei: kept.nuclei } : undefined,
        },
        Comlink.proxy(onTile),
      ),
    );
    slideRun = null;
    // Every nucleus came with its tile's report (messages arrive in order, before the result).
    const { nucleiCount, ...rest } = outcome;
    if (kept.nuclei.length !== nucleiCount)
      throw new Error(
        `The slide's tile reports are incomplete (${kept.nuclei.length} of ${nucleiCount} nuclei); run it again.`,
      );
    const result: AnalysisResult = { ...rest, nuclei: kept.nuclei };
    const summary = { ...outcome.slide, ms: msBefore + outcome.slide.ms };
    patchItem(item.id, {
      status: 'done',
      result,
      mode: 'field',
      slideSummary: summary,
      partial: undefined,
      slideProgress: undefined,
      ms: performance.now() - t0,
    });
    releaseRaster(item.id);
  }

  return {
    phase: 'starting',
    backend: null,
    models: null,
    download: null,
    items: [],
    selectedId: null,
    selectedNucleus: null,
    hoveredNucleus: null,
    overlayVisible: true,
    overlayOpacity: 0.9,
    showOther: true,
    pixelSizeUm: null,
    modeSetting: 'auto',
    running: false,
    batch: null,
    error: null,
    memory: null,
    updateAvailable: null,
    offlineReady: false,

    async start(preferred = null, segWorkers, idleStopS) {
      preferredBackend = preferred;
      // A later backend switch from Diagnostics keeps the page's ?segWorkers and ?idleWorkersS.
      if (segWorkers !== undefined) segWorkersWanted = segWorkers;
      if (idleStopS !== undefined) idleStopSWanted = idleStopS;
      // A backend switch needs a fresh worker: loaded model weights belong to the old backend.
      if (get().backend) client.restart();
      booting = boot();
      await booting;
    },

    addFiles(files) {
      if (files.length === 0) return;
      const items: ImageItem[] = files.map((f) => {
        const id = `img-${nextId++}`;
        pendingBytes.set(id, f);
        return { id, name: f.name || 'pasted image', bytes: f.size, status: 'queued' };
      });
      set((s) => ({
        items: [...s.items, ...items],
        selectedId: items[0].id,
        selectedNucleus: null,
        hoveredNucleus: null,
        error: null,
        batch:
          s.running && s.batch
            ? { ...s.batch, total: s.batch.total + items.length }
            : { total: items.length, done: 0 },
      }));
      void processQueue();
    },

    cancel() {
      if (!get().running) return;
      generation++;
      for (const w of cancelWaiters) w();
      cancelWaiters = [];
      decodeAbort?.abort();
      decodeAbort = null;
      set((s) => ({
        running: false,
        batch: null,
        items: s.items.map((it) =>
          it.status === 'queued' || it.status === 'decoding' || it.status === 'analysing'
            ? { ...it, status: 'cancelled', stage: undefined }
            : it,
        ),
      }));
      // Ask the pipeline to stop at its next check; if it has not stopped within 1.5 s (a long
      // tfjs call), terminate the worker. The fresh worker reloads the models from the cache.
      const pending = inflight;
      void client.api.cancel();
      if (pending) {
        // The next run (Resume, a new file) waits for this: a restart while its own call is in
        // flight would kill that call, which would then never settle.
        settling = new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            client.restart();
            booting = boot();
            resolve();
          }, 1500);
          const settled = () => {
            clearTimeout(timer);
            resolve();
          };
          pending.then(settled, settled);
        });
      }
    },

    resume(id) {
      const it = get().items.find((x) => x.id === id);
      if (!it?.slide || it.status === 'analysing' || it.status === 'queued') return;
      patchItem(id, { status: 'queued', error: undefined });
      set((s) => ({
        error: null,
        batch:
          s.running && s.batch ? { ...s.batch, total: s.batch.total + 1 } : { total: 1, done: 0 },
      }));
      void processQueue();
    },

    select(id, nucleus = null) {
      set({ selectedId: id, selectedNucleus: nucleus, hoveredNucleus: null });
    },
    selectNucleus(id) {
      set({ selectedNucleus: id });
    },
    hoverNucleus(id) {
      if (get().hoveredNucleus !== id) set({ hoveredNucleus: id });
    },
    setOverlayVisible(v) {
      set({ overlayVisible: v });
    },
    setShowOther(v) {
      set({ showOther: v });
    },
    setOverlayOpacity(v) {
      set({ overlayOpacity: Math.min(1, Math.max(0, v)) });
    },
    setPixelSize(v) {
      set({ pixelSizeUm: v !== null && Number.isFinite(v) && v > 0 ? v : null });
    },
    setModeSetting(m) {
      set({ modeSetting: m });
    },
    async classifyAnyway(nucleusId) {
      const item = get().items.find((x) => x.id === get().selectedId);
      const result = item?.result;
      const n = result?.nuclei.find((x) => x.id === nucleusId);
      if (!item?.image || !result || !n) return;
      try {
        const done = await client.api.classifySetAside(
          transferredCopy(item.image),
          n,
          result.scale,
        );
        // Re-analysed or removed meanwhile: that answer belongs to a result no longer shown.
        const now = get().items.find((x) => x.id === item.id);
        if (now?.result !== result) return;
        patchItem(item.id, {
          result: { ...result, nuclei: result.nuclei.map((x) => (x.id === nucleusId ? done : x)) },
        });
      } catch (e) {
        set({ error: `${item.name}: ${message(e)}` });
      }
    },
    setItemMode(id, mode) {
      const it = get().items.find((x) => x.id === id);
      if (!it || it.mode === mode) return;
      patchItem(id, {
        mode,
        modeOverridden: true,
        status: it.image ? 'queued' : it.status,
        result: undefined,
      });
      set((s) => ({
        selectedNucleus: null,
        batch:
          s.running && s.batch ? { ...s.batch, total: s.batch.total + 1 } : { total: 1, done: 0 },
      }));
      void processQueue();
    },
    expectImage() {
      if (!get().models?.ready) return;
      client.api.prepare().catch(() => undefined);
    },
    async refreshMemory() {
      try {
        const memory = await client.api.memory();
        set({ memory });
      } catch {
        // The worker may be restarting after a cancel; the next refresh will succeed.
      }
    },
    clear() {
      if (get().running) get().cancel();
      pendingBytes.clear();
      // The reader holds a large JPEG/PNG's pixels; nothing needs them any more.
      if (rasters.size > 0) void slideReader().closeAll();
      rasters.clear();
      set({
        items: [],
        selectedId: null,
        selectedNucleus: null,
        hoveredNucleus: null,
        error: null,
        batch: null,
      });
    },
  };
});

/** The item shown in the viewer. */
export function useSelectedItem(): ImageItem | undefined {
  return useStore((s) => s.items.find((it) => it.id === s.selectedId));
}
