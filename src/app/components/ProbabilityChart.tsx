import { CLASS_COLORS, CLASS_DESCRIPTIONS, CLASS_NAMES } from '../classes';
import { percent } from '../format';

export interface ChartClass {
  name: string;
  label: string;
  color: string;
  description: string;
}

const BETHESDA: ChartClass[] = CLASS_NAMES.map((name) => ({
  name,
  label: name,
  color: CLASS_COLORS[name],
  description: CLASS_DESCRIPTIONS[name],
}));

/**
 * Horizontal bar chart of class probabilities (a list, so screen readers read it): the six
 * Bethesda classes by default, or any class list (the 7 Herlev classes in cell mode).
 */
export function ProbabilityChart({
  probabilities,
  classes = BETHESDA,
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
