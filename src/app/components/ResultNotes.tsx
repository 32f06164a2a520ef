import type { AnalysisMode } from '../../core/types';
import { useStore, type ImageItem } from '../store';

const MODE_NAMES: Record<AnalysisMode, string> = { cell: 'a single cell', field: 'a field' };

/**
 * The result's notes under the viewer and, when the app chose the mode itself, a one-click switch
 * to the other mode (a small image of one cell can be judged a field, and the reverse).
 */
export function ResultNotes({ item }: { item: ImageItem }) {
  const running = useStore((s) => s.running);
  const setItemMode = useStore((s) => s.setItemMode);
  const result = item.result;
  if (!result || result.warnings.length === 0) return null;
  const other: AnalysisMode = result.mode === 'cell' ? 'field' : 'cell';
  return (
    <div className="result-notes">
      <ul className="warnings">
        {result.warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
      {result.modeSource !== 'user' && !item.slide ? (
        <button
          type="button"
          className="link"
          disabled={running}
          onClick={() => setItemMode(item.id, other)}
          data-testid="switch-mode"
        >
          Analyse this image as {MODE_NAMES[other]} instead
        </button>
      ) : null}
    </div>
  );
}
