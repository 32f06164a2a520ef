/** A user-facing decode failure: `message` is one clear sentence, safe to show as-is. */
export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/**
 * " (detail)" from a decoder's exception when it tells the user something (e.g. "invalid
 * marker"), or "" when it is a programming-level message ("Cannot read properties of undefined")
 * that would only confuse: the sentence before it already says the file is damaged.
 */
export function decoderDetail(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (
    !msg ||
    e instanceof TypeError ||
    e instanceof RangeError ||
    /undefined|null|NaN|\[object|properties of|is not a function|Maximum call stack/i.test(msg)
  )
    return '';
  return ` (${msg.replace(/\.$/, '')})`;
}
