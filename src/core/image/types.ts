/** 8-bit RGBA pixels, row-major, as produced by every decoder and by canvas ImageData. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Single-channel float image (values usually 0..1 or 0..255, documented where used). */
export interface GreyImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** Binary or label mask: 0 = background, >0 = foreground / instance id. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array | Int32Array;
}
