import { decodeImage, ImageDecodeError } from '../../core/image/decode';
import type { DecodeReply, DecodeRequest } from './protocol';

/**
 * What a decode worker does with one request (shared by the browser and Node entries): decode,
 * and turn any failure into one plain sentence. Returns the reply and the buffers to transfer.
 */
export async function handleDecodeRequest(
  req: DecodeRequest,
): Promise<{ reply: DecodeReply; transfer: ArrayBuffer[] }> {
  try {
    const image = await decodeImage(new Uint8Array(req.bytes));
    return {
      reply: { id: req.id, ok: true, image },
      transfer: [image.data.buffer as ArrayBuffer],
    };
  } catch (e) {
    const message =
      e instanceof ImageDecodeError
        ? e.message
        : `The file could not be read; it may be damaged (${e instanceof Error ? e.message : String(e)}).`;
    return { reply: { id: req.id, ok: false, message }, transfer: [] };
  }
}
