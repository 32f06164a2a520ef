import { CLASS_COLORS, CLASS_DESCRIPTIONS, NUCLEUS_CLASSES } from '../classes';
import { percent } from '../format';

/**
 * Horizontal bar chart of the class probabilities: the six Bethesda classes, plus Other for field
 * nuclei judged by the Other gate (a list, so screen readers read it).
 */
export function ProbabilityChart({ probabilities }: { probabilities: number[] }) {
  const best = probabilities.indexOf(Math.max(...probabilities));
  return (
    <ul className="prob-chart" data-testid="class-probabilities" aria-label="Class probabilities">
      {NUCLEUS_CLASSES.slice(0, probabilities.length).map((name, k) => (
        <li
          key={name}
          className={k === best ? 'prob-row best' : 'prob-row'}
          data-class={name}
          data-probability={probabilities[k]}
          title={CLASS_DESCRIPTIONS[name]}
        >
          <span className="prob-name">{name}</span>
          <span className="prob-track" aria-hidden="true">
            <span
              className="prob-bar"
              style={{
                width: `${Math.max(0.5, probabilities[k] * 100)}%`,
                background: CLASS_COLORS[name],
              }}
            />
          </span>
          <span className="prob-value">{percent(probabilities[k])}</span>
        </li>
      ))}
    </ul>
  );
}
