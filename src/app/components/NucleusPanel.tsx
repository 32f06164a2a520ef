import { useState } from 'react';
import { isSetAside } from '../../core/pipeline/set-aside';
import { CLASS_NAMES, OTHER_CLASS, type AnalysisResult, type Nucleus } from '../../core/types';
import { CLASS_COLORS, CLASS_DESCRIPTIONS } from '../classes';
import { percent } from '../format';
import { useStore } from '../store';
import { areaUm2, micronsPerPixel } from '../units';
import { ProbabilityChart, type ChartClass } from './ProbabilityChart';
import {
  HERLEV_BETHESDA,
  HERLEV_CLASSES,
  HERLEV_DISPLAY,
  isAbnormalHerlev,
  type HerlevClass,
} from '../../core/herlev';

/** The 7 Herlev classes for the chart, coloured by their Bethesda category. */
function herlevChartClasses(names: readonly string[]): ChartClass[] {
  return names.map((name) => {
    const k = name as HerlevClass;
    const known = (HERLEV_CLASSES as readonly string[]).includes(name);
    const bethesda = known ? HERLEV_BETHESDA[k] : 'NILM';
    return {
      name,
      label: known ? HERLEV_DISPLAY[k] : name,
      color: CLASS_COLORS[bethesda],
      description: known
        ? `${HERLEV_DISPLAY[k]} (Herlev class; Bethesda ${bethesda}, ${isAbnormalHerlev(k) ? 'abnormal' : 'normal'})`
        : name,
    };
  });
}

/**
 * For an object classified on request: the classifier's most likely class if it is a cell, i.e.
 * among the six classes, with its probability given "not Other".
 */
function ifCell(probabilities: readonly number[]): { name: string; p: number } {
  const six = probabilities.slice(0, CLASS_NAMES.length);
  const k = six.indexOf(Math.max(...six));
  const rest = six.reduce((a, b) => a + b, 0);
  return { name: CLASS_NAMES[k], p: rest > 0 ? six[k] / rest : 0 };
}

/**
 * "Classify anyway" for an object the Other gate set aside before the classifier: the split among
 * the six classes on request; the object stays set aside (src/core/pipeline/classify-set-aside.ts).
 */
function ClassifyAnyway({ n }: { n: Nucleus }) {
  const classifyAnyway = useStore((s) => s.classifyAnyway);
  const running = useStore((s) => s.running);
  const hasImage = useStore((s) => !!s.items.find((x) => x.id === s.selectedId)?.image);
  const [pending, setPending] = useState<number | null>(null);
  if (n.classifiedOnRequest && n.probabilities) {
    const top = ifCell(n.probabilities);
    return (
      <p className="hint" data-testid="classified-on-request">
        Classified on your request. The screening gate still sets this object aside as {OTHER_CLASS}{' '}
        ({percent(n.probabilities[CLASS_NAMES.length] ?? 0)}), so it is not counted; if it is a
        cell, the classifier&apos;s most likely class is <strong>{top.name}</strong> (
        {percent(top.p)} if it is not Other).
      </p>
    );
  }
  if (!isSetAside(n) || !hasImage) return null;
  return (
    <p>
      <button
        type="button"
        className="button"
        data-testid="classify-anyway"
        disabled={running || pending === n.id}
        onClick={() => {
          setPending(n.id);
          void classifyAnyway(n.id).finally(() => setPending(null));
        }}
      >
        {pending === n.id ? 'Classifying…' : 'Classify anyway'}
      </button>{' '}
      <span className="muted small">
        Runs the classifier on this object; it stays set aside and uncounted.
      </span>
    </p>
  );
}

/** Fixed-point or an em dash when the measurement is missing (no segmentation model). */
function fx(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '—';
}

export function NucleusPanel({ result }: { result: AnalysisResult }) {
  const selected = useStore((s) => s.selectedNucleus);
  const hovered = useStore((s) => s.hoveredNucleus);
  const pixelSizeUm = useStore((s) => s.pixelSizeUm);
  const id = hovered ?? selected;
  const n: Nucleus | undefined = result.nuclei.find((x) => x.id === id);
  if (!n) {
    return (
      <section className="panel nucleus-panel" aria-live="polite">
        <h2>Nucleus</h2>
        <p className="hint">
          {result.nuclei.length === 0
            ? 'No nucleus was found in this image.'
            : 'Hover over or click a nucleus outline (or press N / P in the viewer) to see its class probabilities and measurements.'}
        </p>
      </section>
    );
  }
  const um = micronsPerPixel(result.mode, result.scale, pixelSizeUm);
  const m = n.morphometrics;
  return (
    <section className="panel nucleus-panel" aria-live="polite">
      <h2>
        Nucleus #{n.id}{' '}
        {id === selected && hovered === null ? <span className="pinned">(selected)</span> : null}
      </h2>
      {n.primary === false ? (
        <p className="hint">
          A neighbouring nucleus: in single-cell mode only the centred cell is classified.
        </p>
      ) : null}
      {n.herlevLabel && n.herlevProbabilities && result.herlevClasses ? (
        <p className="verdict" data-testid="herlev-verdict">
          <span
            className="swatch"
            style={{ background: CLASS_COLORS[n.label ?? 'NILM'] }}
            aria-hidden="true"
          />
          <strong>
            {(HERLEV_DISPLAY as Record<string, string>)[n.herlevLabel] ?? n.herlevLabel}
          </strong>{' '}
          <span className="muted">
            — Bethesda category <strong data-testid="bethesda-category">{n.label}</strong> (
            {n.label ? CLASS_DESCRIPTIONS[n.label] : ''})
          </span>
          <br />
          <span className="muted">
            confidence {percent(n.confidence ?? 0)} · P(abnormal){' '}
            {percent(n.abnormalProbability ?? 0)}
            {n.abnormal === true
              ? ' · above the validated threshold'
              : n.abnormal === false
                ? ' · below the validated threshold'
                : ''}
          </span>
        </p>
      ) : n.label ? (
        <p className="verdict">
          <span
            className="swatch"
            style={{ background: CLASS_COLORS[n.label] }}
            aria-hidden="true"
          />
          <strong>{n.label}</strong> <span className="muted">— {CLASS_DESCRIPTIONS[n.label]}</span>
          <br />
          <span className="muted">
            confidence {percent(n.confidence ?? 0)} ·{' '}
            {n.abnormalProbability === null ? (
              <span data-testid="set-aside-first">
                set aside by the screening gate before classification (no class probabilities)
              </span>
            ) : (
              <>P(abnormal) {percent(n.abnormalProbability)}</>
            )}
          </span>
        </p>
      ) : n.primary === false ? null : (
        <p className="hint">Not classified (no classifier loaded).</p>
      )}
      {n.lowConfidence ? (
        <p className="flag" role="note">
          ⚠ Low confidence — review this cell yourself.
        </p>
      ) : null}
      <ClassifyAnyway n={n} />
      {n.herlevProbabilities && result.herlevClasses ? (
        <>
          <h3 className="chart-title">Herlev class (7)</h3>
          <ProbabilityChart
            probabilities={n.herlevProbabilities}
            classes={herlevChartClasses(result.herlevClasses)}
            testId="herlev-probabilities"
            label="Herlev class probabilities"
          />
          <h3 className="chart-title">Bethesda category</h3>
        </>
      ) : null}
      {n.probabilities ? <ProbabilityChart probabilities={n.probabilities} /> : null}
      <dl className="morpho">
        <dt>Area</dt>
        <dd>
          {fx(m.areaPx, 0)} px² · {fx(areaUm2(m.areaPx, um), 1)} µm²
        </dd>
        <dt>Perimeter</dt>
        <dd>
          {fx(m.perimeterPx, 1)} px · {fx(m.perimeterPx * um, 1)} µm
        </dd>
        <dt>Circularity</dt>
        <dd>{fx(m.circularity, 3)}</dd>
        <dt>Eccentricity</dt>
        <dd>{fx(m.eccentricity, 3)}</dd>
        <dt>Mean intensity</dt>
        <dd>{fx(m.meanIntensity, 3)}</dd>
      </dl>
    </section>
  );
}
