import { CLASS_COLORS, CLASS_DESCRIPTIONS, NUCLEUS_CLASSES } from '../classes';
import { percent } from '../format';

export interface ChartClass {
  name: string;
  label: string;
  color: string;
  description: string;
}

/** The six Bethesda classes, then Other (field nuclei judged by the Other gate). */
const NUCLEUS: ChartClass[] = NUCLEUS_CLASSES.map((name) => ({
  name,
  label: name,
  color: CLASS_COLORS[name],
  description: CLASS_DESCRIPTIONS[name],
}));

/**
 * Horizontal bar chart of class probabilities (a list, so screen readers read it): by default the
 * Bethesda classes (plus Other when there are seven values), or any class list (the 7 Herlev
 * classes in cell mode).
 */
export function ProbabilityChart({
  probabilities,
  classes = NUCLEUS.slice(0, probabilities.length),
  testId = 'class-probabilities',
  label = 'Class probabilities',
}: {
  probabilities: number[];
  classes?: ChartClass[];
  testId?: string;
  label?: string;
}) {
  const best = probabilities.indexOf(Math.max(...probabilities));
  return (
    <ul className="prob-chart" data-testid={testId} aria-label={label}>
      {classes.map((c, k) => (
        <li
          key={c.name}
          className={k === best ? 'prob-row best' : 'prob-row'}
          data-class={c.name}
          data-probability={probabilities[k]}
          title={c.description}
        >
          <span className="prob-name">{c.label}</span>
          <span className="prob-track" aria-hidden="true">
            <span
              className="prob-bar"
              style={{
                width: `${Math.max(0.5, probabilities[k] * 100)}%`,
                background: c.color,
              }}
            />
          </span>
          <span className="prob-value">{percent(probabilities[k])}</span>
        </li>
      ))}
    </ul>
  );
}
