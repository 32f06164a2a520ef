import { describe, expect, it } from 'vitest';
import type { TiffDirectory, TiffValue } from '../src/core/image/tiff-ifd';
import { memorySource } from '../src/core/slide/byte-source';
import {
  pixelSizeFromDescription,
  pixelSizeFromResolution,
  slidePixelSize,
} from '../src/core/slide/calibration';
import { statedSlideScale } from '../src/core/slide/slide-scale';
import { openTiffSlide } from '../src/core/slide/tiff-slide';
import { syntheticSegImage } from '../src/core/segment/bench';
import { encodeSlide } from './support/slide-writer';

const dir = (tags: [number, TiffValue][]): TiffDirectory => ({ offset: 0, tags: new Map(tags) });

describe("a slide's own pixel size (issue 14 × 12)", () => {
  it('OME-XML PhysicalSizeX, with its unit', () => {
    const ome = (attrs: string) =>
      `<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" ${attrs} SizeX="20000" SizeY="20000" Type="uint8"/></Image></OME>`;
    expect(pixelSizeFromDescription(ome('PhysicalSizeX="0.2527"'))).toEqual({
      um: 0.2527,
      from: 'OME PhysicalSizeX',
    });
    expect(
      pixelSizeFromDescription(ome('PhysicalSizeX="250" PhysicalSizeXUnit="nm"'))?.um,
    ).toBeCloseTo(0.25, 9);
    expect(pixelSizeFromDescription(ome('PhysicalSizeX="1200"'))).toBeNull(); // 1.2 mm: implausible
  });

  it("Aperio's MPP in an SVS description", () => {
    const svs =
      'Aperio Image Library v12.0.15 \r\n46000x32914 [0,100 46000x32914] (240x240) JPEG/RGB Q=70|AppMag = 20|MPP = 0.4990|Filename = x';
    expect(pixelSizeFromDescription(svs)).toEqual({ um: 0.499, from: 'Aperio MPP' });
    expect(pixelSizeFromDescription('no calibration here')).toBeNull();
  });

  it('XResolution per centimetre or inch; the 72-dpi default is ignored', () => {
    expect(
      pixelSizeFromResolution(
        dir([
          [282, [[40000, 1]]],
          [296, [3]],
        ]),
      )?.um,
    ).toBeCloseTo(0.25, 9);
    expect(
      pixelSizeFromResolution(
        dir([
          [282, [[101600, 1]]],
          [296, [2]],
        ]),
      )?.um,
    ).toBeCloseTo(0.25, 9);
    expect(pixelSizeFromResolution(dir([[282, [[72, 1]]]]))).toBeNull();
    expect(pixelSizeFromResolution(dir([]))).toBeNull();
    // The description wins over the resolution tags; OME-XML may sit in the first directory only.
    const first = dir([[270, ['<OME><Image><Pixels PhysicalSizeX="0.5"/></Image></OME>']]]);
    const base = dir([
      [282, [[40000, 1]]],
      [296, [3]],
    ]);
    expect(slidePixelSize(base, first)).toEqual({ um: 0.5, from: 'OME PhysicalSizeX' });
    expect(slidePixelSize(base, base)?.from).toBe('XResolution');
  });

  it('the file is read by openTiffSlide, and the factor is user > file', async () => {
    const img = syntheticSegImage(300, 200, 6, 12, 2);
    const calibrated = await openTiffSlide(
      memorySource(encodeSlide(img, { compression: 'lzw', tile: 128, pixelSizeUm: 0.346 })),
    );
    expect(calibrated.pixelSize?.from).toBe('XResolution');
    expect(calibrated.pixelSize?.um).toBeCloseTo(0.346, 6);
    expect(statedSlideScale(calibrated)?.scaleSource).toBe('file');
    expect(statedSlideScale(calibrated)?.scale).toBeCloseTo(2, 2);
    expect(statedSlideScale(calibrated, 0.173)).toEqual({ scale: 1, scaleSource: 'user' });
    const plain = await openTiffSlide(memorySource(encodeSlide(img, { compression: 'lzw' })));
    expect(plain.pixelSize).toBeUndefined();
    // Neither states one: the slide's scale is estimated (tests/slide-scale.test.ts).
    expect(statedSlideScale(plain)).toBeNull();
    expect(() => statedSlideScale(plain, -1)).toThrow(/positive/);
  });
});
