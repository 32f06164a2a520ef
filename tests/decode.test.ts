import { describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError, sniffFormat } from '../src/core/image/decode';
import { badInputCases, jpgWithOrientation, png } from './support/bad-inputs';

describe('decodeImage: bad-input corpus', () => {
  const cases = badInputCases();
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));
  for (const c of cases) {
    it(`${c.name} → ${c.error ? 'clear error' : 'decodes'}`, async () => {
      if (c.error) {
        const err = await decodeImage(c.bytes).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ImageDecodeError);
        expect((err as Error).message).toMatch(c.error);
        // one sentence, no stack-trace material
        expect((err as Error).message).not.toMatch(/\n|at .*\.ts:/);
      } else {
        try {
          const img = await decodeImage(c.bytes);
          expect(img.data.length).toBe(img.width * img.height * 4);
        } catch (e) {
          // only the "tolerant" corrupt JPEG may fail, and then with a clear message
          expect(c.name).toMatch(/corrupt/);
          expect(e).toBeInstanceOf(ImageDecodeError);
        }
      }
    });
  }
});

describe('decodeImage: pixels', () => {
  it('16-bit grey keeps the high byte in all three channels, opaque', async () => {
    const img = await decodeImage(png(20, 20, { channels: 1, depth: 16 }));
    expect(img.data[0]).toBe(img.data[1]);
    expect(img.data[1]).toBe(img.data[2]);
    expect(img.data[3]).toBe(255);
  });
  it('honours EXIF orientation 6 (rotate 90° cw: width and height swap)', async () => {
    const img = await decodeImage(jpgWithOrientation(64, 48, 6));
    expect([img.width, img.height]).toEqual([48, 64]);
    const plain = await decodeImage(jpgWithOrientation(64, 48, 1));
    expect([plain.width, plain.height]).toEqual([64, 48]);
  });
  it('sniffs formats by content, not name', () => {
    expect(sniffFormat(png(16, 16))).toBe('png');
    expect(sniffFormat(new Uint8Array([1, 2, 3]))).toBeNull();
  });
});
