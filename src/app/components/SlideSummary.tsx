import { useEffect, useMemo, useRef } from 'react';
import { ADEQUACY_MIN } from '../../core/slide/analyze-slide';
import type { Nucleus } from '../../core/types';
import { CLASS_COLORS } from '../classes';
import { drawContours, isSetAside } from '../draw';
import { topByAbnormality } from '../rank';
import { duration, percent } from '../format';
import { slideReader } from '../slide/reader-client';
import { slideScaleText } from '../slide/scale-text';
import { useStore, type ImageItem } from '../store';

const THUMB = 88;
/** Objects shown in the slide's gallery (the most abnormal first, as screeners present them). */
export const SLIDE_GALLERY = 12;

/** A nucleus crop read from the slide at its level-0 place (the slide is never in memory). */
export function SlideThumb({ file, nucleus }: { file: File; nucleus: Nucleus }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let live = true;
    const b = nucleus.bbox;
    const s = Math.round(Math.max(b.width, b.height) * 2.2 + 8);
    const sx = Math.round(nucleus.centroid.x - s / 2);
    const sy = Math.round(nucleus.centroid.y - s / 2);
    void slideReader()
      .read(file, 0, sx, sy, s, s)
      .then(
        (bmp) => {
          const c = ref.current;
          const ctx = c?.getContext('2d');
          if (!live || !c || !ctx) return bmp.close();
          ctx.drawImage(bmp, 0, 0, THUMB, THUMB);
          bmp.close();
          const k = THUMB / s;
          ctx.setTransform(k, 0, 0, k, -sx * k, -sy * k);
          drawContours(ctx, [nucleus], { lineWidth: 1.5 / k });
          c.dataset.loaded = 'true';
        },
        () => undefined,
      );
    return () => {
      live = false;
    };
  }, [file, nucleus]);
  return (
    <canvas
      ref={ref}
      width={THUMB}
      height={THUMB}
      aria-hidden="true"
      className="slide-thumb"
      data-testid="slide-thumb"
    />
  );
}

/**
 * The slide's summary (issue 14): analysis extent and time, the adequacy estimate against
 * Bethesda's thresholds, Resume after a cancel, and the most abnormal objects across the slide.
 */
export function SlideSummary({ item }: { item: ImageItem }) {
  const select = useStore((s) => s.select);
  const resume = useStore((s) => s.resume);
  const running = useStore((s) => s.running);
  const setting = useStore((s) => s.pixelSizeUm);
  // The factor the tiles were (or are being) analysed at; what is stated before a run.
  const p = item.slideProgress;
  const applied = item.result
    ? { scale: item.result.scale, scaleSource: item.result.scaleSource }
    : p?.scale !== undefined && p.scaleSource
      ? { scale: p.scale, scaleSource: p.scaleSource }
      : (item.partial?.scale ?? null);
  const slide = item.slide!;
  const summary = item.slideSummary;
  const nuclei = useMemo(
    () => item.result?.nuclei ?? item.partial?.nuclei ?? [],
    [item.result, item.partial],
  );
  // Every classified epithelial object, most abnormal first (not only those over the threshold:
  // a screener reviews the top of the list whatever its scores).
  const top = useMemo(
    () =>
      topByAbnormality(
        nuclei,
        SLIDE_GALLERY,
        (n) => n.abnormalProbability !== null && !isSetAside(n),
      ),
    [nuclei],
  );
  // After Cancel, or after the engine stopped mid-slide (a damaged tile fails again, with its
  // message).
  const canResume =
    (item.status === 'cancelled' || item.status === 'error') && !!item.partial && !running;
  return (
    <section className="panel" data-testid="slide-summary">
      <h2>Whole slide</h2>
      <p className="small">
        {slide.width.toLocaleString('en')} × {slide.height.toLocaleString('en')} pixels,{' '}
        {slide.levels.length} pyramid level{slide.levels.length === 1 ? '' : 's'}; analysed tile by
        tile, coordinates in level-0 pixels.
      </p>
      <p className="small" data-testid="slide-scale">
        {slideScaleText(slide, applied, setting)}
      </p>
      {summary ? (
        <>
          <p className="small" data-testid="slide-time">
            {summary.tilesDone} of {summary.tiles} tiles in {duration(summary.ms)} (
            {summary.megapixelsPerSecond.toFixed(2)} MP/s).
          </p>
          <div className="adequacy" data-testid="slide-adequacy">
            <p>
              <strong>Adequacy estimate:</strong>{' '}
              <span data-testid="squamous-estimate">{summary.squamousEstimate}</span> squamous cells
              (classified nuclei not set aside as Other).
            </p>
            <p className="small muted">
              Bethesda 2014 asks for at least {ADEQUACY_MIN.liquidBased.toLocaleString('en')}{' '}
              well-preserved, well-visualised squamous cells on a liquid-based preparation (
              {summary.adequate.liquidBased ? 'reached' : 'not reached'}) and about{' '}
              {ADEQUACY_MIN.conventional.toLocaleString('en')}–12,000 on a conventional smear (
              {summary.adequate.conventional ? 'reached' : 'not reached'}). This is an estimate from
              the nuclei found, not a count of well-preserved cells: a cytologist decides adequacy.
            </p>
          </div>
        </>
      ) : item.partial ? (
        <p className="small" data-testid="slide-partial">
          {item.partial.startTile} tiles finished, {item.partial.nuclei.length} nuclei so far.
        </p>
      ) : null}
      {canResume ? (
        <button
          type="button"
          className="button primary"
          data-testid="slide-resume"
          onClick={() => resume(item.id)}
        >
          Resume from tile {item.partial!.startTile + 1}
        </button>
      ) : null}
      {top.length > 0 && item.file ? (
        <>
          <h3>Most abnormal objects on the slide</h3>
          <ol className="gallery" data-testid="slide-gallery">
            {top.map((n) => (
              <li key={n.id}>
                <button
                  type="button"
                  className="gallery-item"
                  data-nucleus={n.id}
                  data-x={Math.round(n.centroid.x)}
                  data-y={Math.round(n.centroid.y)}
                  onClick={() => select(item.id, n.id)}
                  aria-label={`Nucleus ${n.id} at (${Math.round(n.centroid.x)}, ${Math.round(n.centroid.y)}): ${n.label}, P(abnormal) ${percent(n.abnormalProbability ?? 0)}`}
                >
                  <SlideThumb file={item.file!} nucleus={n} />
                  <span className="gallery-caption">
                    <span
                      className="swatch"
                      style={{ background: n.label ? CLASS_COLORS[n.label] : '#fff' }}
                      aria-hidden="true"
                    />
                    {n.label} {percent(n.abnormalProbability ?? 0, 0)}
                    {n.abnormal ? ' ●' : ''}
                    {n.lowConfidence ? ' ⚠' : ''}
                  </span>
                </button>
              </li>
            ))}
          </ol>
          <p className="small muted">● flagged abnormal by the screening threshold.</p>
        </>
      ) : null}
    </section>
  );
}
