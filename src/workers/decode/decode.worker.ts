/// <reference lib="webworker" />
// Browser decode worker: one file at a time, so a file that takes too long can be stopped by
// terminating this worker without touching the analysis worker and its loaded models.
import { handleDecodeRequest } from './handle-request';
import type { DecodeRequest, DecodeStarted } from './protocol';

self.onmessage = async (ev: MessageEvent<DecodeRequest>) => {
  self.postMessage({ id: ev.data.id, started: true } satisfies DecodeStarted);
  const { reply, transfer } = await handleDecodeRequest(ev.data);
  self.postMessage(reply, transfer);
};
