import { useId, useState } from 'react';
import type { AnalysisMode } from '../../core/types';
import { useSelectedItem, useStore, type ModeSetting } from '../store';
import { DEFAULT_CELL_PIXEL_UM, DEFAULT_WORKING_PIXEL_UM, micronsPerPixel } from '../units';

/** Overlay toggle/opacity, cell-vs-field mode and the pixel-size calibration. */
export function Controls() {
  const item = useSelectedItem();
  const overlayVisible = useStore((s) => s.overlayVisible);
  const overlayOpacity = useStore((s) => s.overlayOpacity);
  const setOverlayVisible = useStore((s) => s.setOverlayVisible);
  const setOverlayOpacity = useStore((s) => s.setOverlayOpacity);
  const showOther = useStore((s) => s.showOther);
  const setShowOther = useStore((s) => s.setShowOther);
  const modeSetting = useStore((s) => s.modeSetting);
  const setModeSetting = useStore((s) => s.setModeSetting);
  const setItemMode = useStore((s) => s.setItemMode);
  const pixelSizeUm = useStore((s) => s.pixelSizeUm);
  const setPixelSize = useStore((s) => s.setPixelSize);
  const running = useStore((s) => s.running);
  const [pixelText, setPixelText] = useState(pixelSizeUm === null ? '' : String(pixelSizeUm));
  const ids = { opacity: useId(), mode: useId(), px: useId(), pxHelp: useId(), itemMode: useId() };
  const effective = micronsPerPixel(item?.mode ?? 'field', item?.result?.scale ?? 1, pixelSizeUm);

  return (
    <section className="panel controls">
      <h2>View &amp; settings</h2>
      <div className="control-row">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={overlayVisible}
            onChange={(e) => setOverlayVisible(e.currentTarget.checked)}
            data-testid="overlay-toggle"
          />
          Show nucleus outlines
        </label>
      </div>
      <div className="control-row">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={showOther}
            disabled={!overlayVisible}
            onChange={(e) => setShowOther(e.currentTarget.checked)}
            data-testid="other-toggle"
          />
          Show objects set aside (Other: leukocytes, debris, clumps)
        </label>
      </div>
      <div className="control-row">
        <label htmlFor={ids.opacity}>Outline opacity</label>
        <input
          id={ids.opacity}
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={overlayOpacity}
          disabled={!overlayVisible}
          onChange={(e) => setOverlayOpacity(Number(e.currentTarget.value))}
          data-testid="overlay-opacity"
        />
        <output htmlFor={ids.opacity}>{Math.round(overlayOpacity * 100)}%</output>
      </div>
      <div className="control-row">
        <label htmlFor={ids.mode}>Mode for new images</label>
        <select
          id={ids.mode}
          value={modeSetting}
          onChange={(e) => setModeSetting(e.currentTarget.value as ModeSetting)}
          data-testid="mode-setting"
        >
          <option value="auto">Automatic (from the image)</option>
          <option value="cell">Single cell</option>
          <option value="field">Field (many cells)</option>
        </select>
      </div>
      {item?.image ? (
        <div className="control-row">
          <label htmlFor={ids.itemMode}>This image is analysed as</label>
          <select
            id={ids.itemMode}
            value={item.mode ?? 'field'}
            disabled={running}
            onChange={(e) => setItemMode(item.id, e.currentTarget.value as AnalysisMode)}
            data-testid="item-mode"
          >
            <option value="cell">Single cell</option>
            <option value="field">Field</option>
          </select>
        </div>
      ) : null}
      <div className="control-row">
        <label htmlFor={ids.px}>Pixel size (µm per image pixel)</label>
        <input
          id={ids.px}
          type="number"
          inputMode="decimal"
          min={0.01}
          max={10}
          step={0.001}
          placeholder="auto"
          value={pixelText}
          aria-describedby={ids.pxHelp}
          onChange={(e) => {
            setPixelText(e.currentTarget.value);
            const v = e.currentTarget.value.trim() === '' ? null : Number(e.currentTarget.value);
            setPixelSize(v);
          }}
          data-testid="pixel-size"
        />
      </div>
      <p id={ids.pxHelp} className="muted small">
        {pixelSizeUm === null
          ? item?.mode === 'cell'
            ? `Using ${effective.toFixed(3)} µm/px: the Herlev default (${DEFAULT_CELL_PIXEL_UM} µm/px) for single-cell images.`
            : `Using ${effective.toFixed(3)} µm/px: the default ${DEFAULT_WORKING_PIXEL_UM} µm/px at the working scale, estimated for the CRIC set-up (40× objective, AxioCam MRc).`
          : `Using your calibration: ${pixelSizeUm} µm/px.`}{' '}
        Defaults are estimates; enter your microscope's calibration for exact µm.
      </p>
    </section>
  );
}
