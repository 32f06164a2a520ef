import { useEffect, useRef, useState } from 'react';
import { useStore } from '../store';

export const ACCEPT = 'image/png,image/jpeg,image/bmp,image/tiff,.png,.jpg,.jpeg,.bmp,.tif,.tiff';

/** Files from a paste or drop: only real files; the decoder decides whether they are images. */
function filesFrom(dt: DataTransfer | null): File[] {
  if (!dt) return [];
  const files = Array.from(dt.files);
  if (files.length > 0) return files;
  return Array.from(dt.items)
    .filter((i) => i.kind === 'file')
    .map((i) => i.getAsFile())
    .filter((f): f is File => f !== null);
}

/** Drag-and-drop anywhere on the page and paste from the clipboard. */
export function GlobalDropTarget() {
  const addFiles = useStore((s) => s.addFiles);
  const expectImage = useStore((s) => s.expectImage);
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);

  useEffect(() => {
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      // A file has just come over the page: wake the helper workers before it is dropped.
      if (depth.current++ === 0) expectImage();
      setDragging(true);
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onLeave = () => {
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    };
    const onDrop = (e: DragEvent) => {
      e.preventDefault();
      depth.current = 0;
      setDragging(false);
      addFiles(filesFrom(e.dataTransfer));
    };
    const onPaste = (e: ClipboardEvent) => {
      const files = filesFrom(e.clipboardData);
      if (files.length === 0) return;
      e.preventDefault();
      addFiles(
        files.map((f, i) =>
          f.name && f.name !== 'image.png'
            ? f
            : new File([f], `pasted-${Date.now()}-${i + 1}.${f.type.split('/')[1] || 'png'}`, {
                type: f.type,
              }),
        ),
      );
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    window.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
      window.removeEventListener('paste', onPaste);
    };
  }, [addFiles, expectImage]);

  return dragging ? (
    <div className="drop-overlay" aria-hidden="true">
      <div>Drop images to analyse them</div>
    </div>
  ) : null;
}

export const FILE_INPUT_ID = 'file-input';

/** Opens the one file picker of the page (black-box tests expect exactly one file input). */
export function ChooseButton({ label, primary = false }: { label: string; primary?: boolean }) {
  return (
    <button
      type="button"
      className={`button${primary ? ' primary' : ''}`}
      onClick={() => document.getElementById(FILE_INPUT_ID)?.click()}
    >
      {label}
    </button>
  );
}

/** The file picker: the page's only <input type="file">, behind a button-styled label. */
export function FilePicker({
  label = 'Choose images…',
  primary = false,
}: {
  label?: string;
  primary?: boolean;
}) {
  const addFiles = useStore((s) => s.addFiles);
  const expectImage = useStore((s) => s.expectImage);
  return (
    <label className={`button file-picker${primary ? ' primary' : ''}`}>
      <input
        id={FILE_INPUT_ID}
        type="file"
        multiple
        accept={ACCEPT}
        className="visually-hidden"
        data-testid="file-input"
        aria-label="Choose image files to analyse"
        // The file dialog opens: the helper workers start while the user picks.
        onClick={expectImage}
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = '';
          addFiles(files);
        }}
      />
      {label}
    </label>
  );
}

export function EmptyState() {
  return (
    <div className="empty-state">
      <div className="empty-icon" aria-hidden="true">
        <svg viewBox="0 0 64 64" width="64" height="64">
          <circle cx="24" cy="28" r="14" fill="#dbe7f3" stroke="#1f4e79" strokeWidth="2" />
          <circle cx="24" cy="28" r="5" fill="#1f4e79" />
          <circle cx="44" cy="38" r="11" fill="#fde9d9" stroke="#b24a00" strokeWidth="2" />
          <circle cx="44" cy="38" r="6" fill="#b24a00" />
        </svg>
      </div>
      <h2>Drop Pap-smear images here</h2>
      <p>
        Drag images anywhere onto this page, paste one from the clipboard (Ctrl+V), or choose files.
        A single-cell crop is classified directly; a microscope field is searched for every nucleus.
      </p>
      <ChooseButton label="Choose images…" primary />
      <p className="muted small">PNG, JPEG, BMP or TIFF · one or many images</p>
    </div>
  );
}
