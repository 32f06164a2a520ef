import type { RgbaImage } from '../../core/image/types';

/** Main side → decode worker: the file's bytes (transferred). */
export interface DecodeRequest {
  id: number;
  bytes: ArrayBuffer;
}

/** Decode worker → main side: the image (its buffer transferred) or a user-facing message. */
export type DecodeReply =
  { id: number; ok: true; image: RgbaImage } | { id: number; ok: false; message: string };

/**
 * Decode worker → main side, first thing on every request: the decode starts now. The time
 * budget runs from here, so a worker's own start-up (module loading, slow on a busy machine) is
 * not charged to the file.
 */
export interface DecodeStarted {
  id: number;
  started: true;
}

export type DecodeMessage = DecodeReply | DecodeStarted;

/** A decode worker as the watchdog sees it (a browser Worker or a Node worker thread). */
export interface DecodeWorkerHandle {
  post(request: DecodeRequest): void;
  onReply(cb: (message: DecodeMessage) => void): void;
  /** The worker died (uncaught error, out of memory, exit). */
  onFailure(cb: (reason: string) => void): void;
  terminate(): void;
}

export type DecodeWorkerFactory = () => DecodeWorkerHandle;
