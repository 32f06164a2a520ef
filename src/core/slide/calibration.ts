import type { TiffDirectory } from '../image/tiff-ifd';

/**
 * A slide's pixel size as its file states it (issue 14 × 12: scanners write it; a 40× scan is
 * ≈ 0.25 µm/px and a 20× scan ≈ 0.5, against the working scale's 0.173, so analysing such a
 * slide at ×1 would look for nuclei 1.5–3× too big). Read, in this order: OME-XML
 * `PhysicalSizeX` (OME-TIFF), Aperio's `MPP = …` (SVS), then XResolution with ResolutionUnit
 * centimetre or inch. A value outside PLAUSIBLE_UM (a 72-dpi default, a unit slip) is ignored.
 */

/**
 * µm per pixel accepted from a file (100× oil ≈ 0.06; 10× ≈ 1). Coarser scans (nuclei of a few
 * pixels) are not analysable, and their factor would make each 1024-px tile a region beyond the
 * segmentation's 10,000-px limit.
 */
export const PLAUSIBLE_UM: [number, number] = [0.05, 1.2];

const IMAGE_DESCRIPTION = 270;
const X_RESOLUTION = 282;
const RESOLUTION_UNIT = 296;

export interface PixelSize {
  um: number;
  /** Which field it came from, for the user ("OME PhysicalSizeX", "Aperio MPP", "XResolution"). */
  from: string;
}

const UNIT_TO_UM: Record<string, number> = {
  µm: 1,
  um: 1,
  'µ m': 1,
  nm: 1e-3,
  mm: 1e3,
  cm: 1e4,
};

function plausible(um: number): boolean {
  return Number.isFinite(um) && um >= PLAUSIBLE_UM[0] && um <= PLAUSIBLE_UM[1];
}

function description(ifd: TiffDirectory): string | null {
  const v = ifd.tags.get(IMAGE_DESCRIPTION);
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : null;
}

/** From an ImageDescription: OME-XML's first Pixels element, or Aperio's `MPP = x`. */
export function pixelSizeFromDescription(text: string): PixelSize | null {
  const pixels = /<(?:\w+:)?Pixels\b[^>]*>/.exec(text)?.[0];
  if (pixels) {
    const size = /\bPhysicalSizeX="([^"]+)"/.exec(pixels)?.[1];
    const unit = /\bPhysicalSizeXUnit="([^"]+)"/.exec(pixels)?.[1] ?? 'µm';
    const um = Number(size) * (UNIT_TO_UM[unit] ?? NaN);
    if (size && plausible(um)) return { um, from: 'OME PhysicalSizeX' };
  }
  const mpp = /\bMPP\s*=\s*([0-9.eE+-]+)/.exec(text)?.[1];
  if (mpp && plausible(Number(mpp))) return { um: Number(mpp), from: 'Aperio MPP' };
  return null;
}

/** From XResolution (pixels per unit) and ResolutionUnit (2 = inch, 3 = centimetre). */
export function pixelSizeFromResolution(ifd: TiffDirectory): PixelSize | null {
  const res = ifd.tags.get(X_RESOLUTION);
  const unitTag = ifd.tags.get(RESOLUTION_UNIT);
  const unit = Array.isArray(unitTag) && typeof unitTag[0] === 'number' ? unitTag[0] : 2;
  if (!Array.isArray(res) || !Array.isArray(res[0])) return null;
  const [num, den] = res[0] as [number, number];
  const perUnit = den > 0 ? num / den : NaN;
  const unitUm = unit === 3 ? 1e4 : unit === 2 ? 25_400 : NaN;
  const um = unitUm / perUnit;
  return plausible(um) ? { um, from: 'XResolution' } : null;
}

/** The pixel size of level 0 (`base`), looking also at the first directory (OME-XML lives there). */
export function slidePixelSize(base: TiffDirectory, first: TiffDirectory): PixelSize | null {
  for (const ifd of [base, first]) {
    const text = description(ifd);
    const fromText = text ? pixelSizeFromDescription(text) : null;
    if (fromText) return fromText;
  }
  return pixelSizeFromResolution(base);
}
