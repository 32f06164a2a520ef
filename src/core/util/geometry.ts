/** Ray-casting point-in-polygon: viewer hit testing, e2e checks, and matching CRIC points to nuclei (eval-fields). */
export function pointInPolygon(x: number, y: number, poly: readonly [number, number][]): boolean {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/**
 * Pixels inside a closed contour (even-odd scanline fill, contour pixels included) as a 0/1 mask:
 * outline-vs-mask IoU in the single-cell diagnostics (scripts/cell-nucleus-check.ts,
 * scripts/cell-finder-compare.ts).
 */
export function fillPolygon(c: readonly [number, number][], w: number, h: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const xs: number[] = [];
    for (let i = 0; i < c.length; i++) {
      const [x1, y1] = c[i];
      const [x2, y2] = c[(i + 1) % c.length];
      if (y1 <= y !== y2 <= y) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2)
      for (let x = Math.ceil(xs[k]); x <= Math.floor(xs[k + 1]); x++)
        if (x >= 0 && x < w) m[y * w + x] = 1;
  }
  for (const [x, y] of c) if (x >= 0 && x < w && y >= 0 && y < h) m[y * w + x] = 1;
  return m;
}
