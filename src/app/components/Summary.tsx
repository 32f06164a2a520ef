import { useEffect, useMemo, useRef } from 'react';
import type { Nucleus } from '../../core/types';
import type { RgbaImage } from '../../core/image/types';
import { CLASS_COLORS, CLASS_DESCRIPTIONS, CLASS_NAMES } from '../classes';
import { bitmapCanvasFor, type BitmapCanvas } from '../bitmap-canvas';
import { byAbnormality, drawContours, isSetAside } from '../draw';
import { countsByClass } from '../export/common';
import { percent } from '../format';
import { useStore, type ImageItem } from '../store';
import { SlideThumb } from './SlideSummary';

export function ClassCounts({
  nuclei,
  title,
  countTestId = 'nucleus-count',
}: {
  nuclei: Nucleus[];
  title: string;
  countTestId?: string;
}) {
  const counts = countsByClass(nuclei);
  const outlined = nuclei.length;
  // Objects set aside as Other are outlined but never part of the Bethesda counts or shares.
  const setAside = counts.Other;
  const total = outlined - setAside;
  const flagged = nuclei.filter((n) => n.abnormal && !isSetAside(n)).length;
  return (
    <section className="panel">
      <h2>{title}</h2>
      <p className="big-number">
        <span data-testid={countTestId}>{outlined}</span>{' '}
        {setAside > 0 ? 'objects outlined' : outlined === 1 ? 'nucleus' : 'nuclei'}
      </p>
      {total > 0 && counts.unclassified < outlined ? (
        <p className="small">
          <span data-testid={`${countTestId}-abnormal`}>{flagged}</span> flagged abnormal by the
          screening threshold
        </p>
      ) : null}
      {setAside > 0 ? (
        <p className="muted small" data-testid="set-aside-summary">
          <span data-testid="set-aside-count">{setAside}</span> set aside as Other (not squamous
          epithelial nuclei: leukocytes, debris, clumps, blur) and left out of the counts below;{' '}
          {total} epithelial {total === 1 ? 'nucleus' : 'nuclei'} counted.
        </p>
      ) : null}
      {outlined > 0 && counts.unclassified === outlined ? (
        <p className="hint">
          Not classified: no classifier is loaded, so only outlines and measurements are shown.
        </p>
      ) : (
        <table className="counts" aria-label="Nuclei per class">
          <tbody>
            {CLASS_NAMES.map((c) => (
              <tr key={c} title={CLASS_DESCRIPTIONS[c]} data-class={c}>
                <th scope="row">
                  <span
                    className="swatch"
                    style={{ background: CLASS_COLORS[c] }}
                    aria-hidden="true"
                  />{' '}
                  {c}
                </th>
                <td>{counts[c]}</td>
                <td className="muted">{total ? percent(counts[c] / total, 0) : '—'}</td>
              </tr>
            ))}
            {counts.unclassified > 0 ? (
              <tr>
                <th scope="row">Unclassified</th>
                <td>{counts.unclassified}</td>
                <td className="muted">{percent(counts.unclassified / total, 0)}</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      )}
    </section>
  );
}

const THUMB = 88;

function Thumb({ image, nucleus }: { image: RgbaImage; nucleus: Nucleus }) {
  const ref = useRef<HTMLCanvasElement>(null);
  // An ImageBitmap, not a 2D canvas: those are copied again on every frame (bitmap-canvas.ts).
  const layer = useRef<BitmapCanvas | null>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const b = nucleus.bbox;
    const side = Math.max(b.width, b.height) * 2.2 + 8;
    const sx = Math.round(nucleus.centroid.x - side / 2);
    const sy = Math.round(nucleus.centroid.y - side / 2);
    const s = Math.round(side);
    // Copy the crop region (clamped to the image) into ImageData, then scale it onto the thumb.
    const crop = new ImageData(s, s);
    for (let y = 0; y < s; y++) {
      const iy = sy + y;
      if (iy < 0 || iy >= image.height) continue;
      for (let x = 0; x < s; x++) {
        const ix = sx + x;
        if (ix < 0 || ix >= image.width) continue;
        const si = (iy * image.width + ix) * 4;
        const di = (y * s + x) * 4;
        crop.data[di] = image.data[si];
        crop.data[di + 1] = image.data[si + 1];
        crop.data[di + 2] = image.data[si + 2];
        crop.data[di + 3] = 255;
      }
    }
    const tmp = document.createElement('canvas');
    tmp.width = s;
    tmp.height = s;
    tmp.getContext('2d')?.putImageData(crop, 0, 0);
    const k = THUMB / s;
    bitmapCanvasFor(layer, c).draw(THUMB, THUMB, (ctx) => {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = '#e8edf3';
      ctx.fillRect(0, 0, THUMB, THUMB);
      ctx.drawImage(tmp, 0, 0, THUMB, THUMB);
      ctx.setTransform(k, 0, 0, k, -sx * k, -sy * k);
      drawContours(ctx, [nucleus], { lineWidth: 1.5 / k });
    });
  }, [image, nucleus]);
  return <canvas ref={ref} width={THUMB} height={THUMB} aria-hidden="true" />;
}

/** "Objects of interest": the most abnormal cells across the batch, first. */
export function Gallery({ items }: { items: ImageItem[] }) {
  const select = useStore((s) => s.select);
  const cells = useMemo(() => {
    const all: { item: ImageItem; n: Nucleus }[] = [];
    for (const item of items)
      for (const n of item.result?.nuclei ?? [])
        // The screening call decides what is shown; Other objects are never in the gallery.
        if (n.abnormal && n.abnormalProbability !== null && !isSetAside(n)) all.push({ item, n });
    return all.sort((a, b) => byAbnormality(a.n, b.n));
  }, [items]);
  const analysed = items.some((it) => it.result?.nuclei.some((n) => n.label !== null));
  if (!analysed) return null;
  if (cells.length === 0)
    return (
      <section className="panel gallery-panel">
        <h2>Flagged cells</h2>
        <p className="hint" data-testid="gallery-empty">
          No cell reaches the screening threshold. This is not a diagnosis: review the image
          yourself.
        </p>
      </section>
    );
  return (
    <section className="panel gallery-panel">
      <h2>
        Flagged cells, most abnormal first (
        {cells.length > 24 ? `24 of ${cells.length}` : cells.length})
      </h2>
      <ol className="gallery" data-testid="gallery">
        {cells.slice(0, 24).map(({ item, n }) => (
          <li key={`${item.id}-${n.id}`}>
            <button
              type="button"
              className="gallery-item"
              onClick={() => select(item.id, n.id)}
              aria-label={`${item.name}, nucleus ${n.id}: ${n.label}, P(abnormal) ${percent(n.abnormalProbability ?? 0)}`}
            >
              {item.image ? (
                <Thumb image={item.image} nucleus={n} />
              ) : item.file ? (
                <SlideThumb file={item.file} nucleus={n} />
              ) : null}
              <span className="gallery-caption">
                <span
                  className="swatch"
                  style={{ background: n.label ? CLASS_COLORS[n.label] : '#fff' }}
                  aria-hidden="true"
                />
                {n.label} {percent(n.abnormalProbability ?? 0, 0)}
                {n.lowConfidence ? ' ⚠' : ''}
              </span>
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
