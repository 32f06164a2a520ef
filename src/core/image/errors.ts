/** A user-facing decode failure: `message` is one clear sentence, safe to show as-is. */
export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}
