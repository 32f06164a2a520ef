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
