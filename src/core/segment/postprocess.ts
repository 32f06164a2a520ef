/**
 * Binary-mask post-processing for nucleus segmentation (pure TS, no tensors): speck removal, hole
 * filling, separation of touching nuclei (distance transform + watershed with a dynamics
 * threshold), contour tracing and morphometrics.
 */
import type { Morphometrics } from '../types';

const N4X = [1, -1, 0, 0];
const N4Y = [0, 0, 1, -1];
const N8X = [1, 1, 0, -1, -1, -1, 0, 1];
const N8Y = [0, 1, 1, 1, 0, -1, -1, -1];

/** 4-connected components of pixels where `fg(i)` holds; labels 1..count. */
function components(
  width: number,
  height: number,
  fg: (i: number) => boolean,
): { labels: Int32Array; count: number; areas: number[]; touchesBorder: boolean[] } {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const areas = [0];
  const touchesBorder = [false];
  let count = 0;
  for (let s = 0; s < labels.length; s++) {
    if (labels[s] !== 0 || !fg(s)) continue;
    count++;
    let area = 0;
    let border = false;
    let sp = 0;
    stack[sp++] = s;
    labels[s] = count;
    while (sp > 0) {
      const i = stack[--sp];
      area++;
      const x = i % width;
      const y = (i - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) border = true;
      for (let k = 0; k < 4; k++) {
        const nx = x + N4X[k];
        const ny = y + N4Y[k];
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const j = ny * width + nx;
        if (labels[j] === 0 && fg(j)) {
          labels[j] = count;
          stack[sp++] = j;
        }
      }
    }
    areas.push(area);
    touchesBorder.push(border);
  }
  return { labels, count, areas, touchesBorder };
}

/** Drop foreground components smaller than `minArea` pixels (in place). */
export function removeSmall(
  mask: Uint8Array,
  width: number,
  height: number,
  minArea: number,
): void {
  if (minArea <= 1) return;
  const { labels, areas } = components(width, height, (i) => mask[i] !== 0);
  for (let i = 0; i < mask.length; i++) if (mask[i] && areas[labels[i]] < minArea) mask[i] = 0;
}

/** Fill background regions enclosed by foreground (not touching the image border) up to `maxArea`. */
export function fillHoles(
  mask: Uint8Array,
  width: number,
  height: number,
  maxArea = Infinity,
): void {
  const { labels, areas, touchesBorder } = components(width, height, (i) => mask[i] === 0);
  for (let i = 0; i < mask.length; i++) {
    const l = labels[i];
    if (l && !touchesBorder[l] && areas[l] <= maxArea) mask[i] = 1;
  }
}

/**
 * Euclidean distance of each foreground pixel to the nearest background pixel (exact, separable
 * Felzenszwalb–Huttenlocher transform); pixels outside the image count as foreground, so nuclei
 * cut by the border are not split along it.
 */
export function distanceTransform(mask: Uint8Array, width: number, height: number): Float32Array {
  const INF = 1e20;
  const n = width * height;
  const g = new Float64Array(n);
  // Along columns the input is 0 or ∞, so the squared distance is that to the nearest background
  // pixel above or below: two row-major scans (cache-friendly), the same exact integers the
  // parabola pass gave (∞ where a column has no background).
  const NONE = 1e9;
  for (let x = 0; x < width; x++) g[x] = mask[x] ? NONE : 0;
  for (let i = width; i < n; i++) g[i] = mask[i] ? g[i - width] + 1 : 0;
  for (let i = n - width - 1; i >= 0; i--) {
    const below = g[i + width] + 1;
    if (below < g[i]) g[i] = below;
  }
  for (let i = 0; i < n; i++) g[i] = g[i] >= NONE / 2 ? INF : g[i] * g[i];
  // Along rows: the lower envelope of parabolas (Felzenszwalb & Huttenlocher), in place; rows
  // without foreground are all 0 already.
  const f = new Float64Array(width);
  const d = new Float64Array(width);
  const v = new Int32Array(width);
  const z = new Float64Array(width + 1);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let any = false;
    for (let x = 0; x < width && !any; x++) any = mask[o + x] !== 0;
    if (!any) continue;
    for (let q = 0; q < width; q++) f[q] = g[o + q];
    let k = 0;
    v[0] = 0;
    z[0] = -INF;
    z[1] = INF;
    for (let q = 1; q < width; q++) {
      let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      while (s <= z[k]) {
        k--;
        s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = INF;
    }
    k = 0;
    for (let q = 0; q < width; q++) {
      while (z[k + 1] < q) k++;
      d[q] = (q - v[k]) * (q - v[k]) + f[v[k]];
    }
    for (let q = 0; q < width; q++) g[o + q] = d[q];
  }
  const out = new Float32Array(n);
  // A component with no background anywhere keeps INF distances: cap them at the image size.
  const cap = width + height;
  for (let i = 0; i < n; i++) out[i] = mask[i] ? Math.min(Math.sqrt(g[i]), cap) : 0;
  return out;
}

/**
 * Instance labels from a binary mask, splitting touching nuclei: flooding of the distance map from
 * its maxima downwards (8-neighbourhood); where two basins meet, they merge unless both peaks rise
 * at least `minDynamics` px above the meeting level (a watershed with a dynamics / h-maxima
 * criterion, so shallow necks and irregular outlines do not over-split). Basin pixels stay
 * 4-connected to their peak. Labels are 1..count in raster order of first pixel.
 */
export function separateNuclei(
  mask: Uint8Array,
  width: number,
  height: number,
  minDynamics: number,
): { labels: Int32Array; count: number } {
  const n = width * height;
  const dist = distanceTransform(mask, width, height);
  // Counting sort by quantised distance, descending (0.25 px bins).
  let maxQ = 0;
  const q = new Int32Array(n);
  let nFg = 0;
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    q[i] = Math.round(dist[i] * 4);
    if (q[i] > maxQ) maxQ = q[i];
    nFg++;
  }
  const start = new Int32Array(maxQ + 2);
  for (let i = 0; i < n; i++) if (mask[i]) start[maxQ - q[i] + 1]++;
  for (let b = 1; b < start.length; b++) start[b] += start[b - 1];
  const order = new Int32Array(nFg);
  const fill = start.slice();
  for (let i = 0; i < n; i++) if (mask[i]) order[fill[maxQ - q[i]]++] = i;

  const basin = new Int32Array(n); // union-find node per pixel (0 = unprocessed)
  const parent: number[] = [0];
  const peak: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  // The distinct neighbouring basins of a pixel, in the order first met (at most 8). A typed
  // buffer, not a Set and a sorted copy per pixel: this loop visits every foreground pixel.
  const rs = new Int32Array(8);
  for (let o = 0; o < nFg; o++) {
    const i = order[o];
    const x = i % width;
    const y = (i - x) / width;
    const level = dist[i];
    let nr = 0;
    for (let k = 0; k < 8; k++) {
      const nx = x + N8X[k];
      const ny = y + N8Y[k];
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      const b = basin[ny * width + nx];
      if (!b) continue;
      const r = find(b);
      let j = 0;
      while (j < nr && rs[j] !== r) j++;
      if (j === nr) rs[nr++] = r;
    }
    if (nr === 0) {
      parent.push(parent.length);
      peak.push(level);
      basin[i] = parent.length - 1;
      continue;
    }
    if (nr === 1) {
      basin[i] = rs[0];
      continue;
    }
    // Highest basin first (a stable insertion sort: equal peaks keep the order met); merge the
    // others into it when their dynamics are small.
    for (let a = 1; a < nr; a++) {
      const v = rs[a];
      let j = a - 1;
      while (j >= 0 && peak[rs[j]] < peak[v]) {
        rs[j + 1] = rs[j];
        j--;
      }
      rs[j + 1] = v;
    }
    let own = rs[0];
    for (let r = 1; r < nr; r++) {
      const other = rs[r];
      if (peak[other] - level < minDynamics) {
        parent[other] = own;
      }
    }
    own = find(own);
    basin[i] = own;
  }
  // Resolve roots, then relabel 1..count in raster order; pixels of a basin that is not 4-connected
  // to the rest are re-attached below by connectivity.
  const rootLabel = new Map<number, number>();
  const labels = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!basin[i]) continue;
    const r = find(basin[i]);
    let l = rootLabel.get(r);
    if (l === undefined) {
      l = ++count;
      rootLabel.set(r, l);
    }
    labels[i] = l;
  }
  return relabelConnected(labels, width, height);
}

/** Split every label into its 4-connected pieces and renumber 1..count. */
function relabelConnected(
  labels: Int32Array,
  width: number,
  height: number,
): { labels: Int32Array; count: number } {
  const out = new Int32Array(labels.length);
  const stack = new Int32Array(labels.length);
  let count = 0;
  for (let s = 0; s < labels.length; s++) {
    const l = labels[s];
    if (!l || out[s]) continue;
    count++;
    let sp = 0;
    stack[sp++] = s;
    out[s] = count;
    while (sp > 0) {
      const i = stack[--sp];
      const x = i % width;
      const y = (i - x) / width;
      for (let k = 0; k < 4; k++) {
        const nx = x + N4X[k];
        const ny = y + N4Y[k];
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const j = ny * width + nx;
        if (!out[j] && labels[j] === l) {
          out[j] = count;
          stack[sp++] = j;
        }
      }
    }
  }
  return { labels: out, count };
}

/** Drop instances smaller than `minArea` and renumber (after separation, fragments can be tiny). */
export function dropSmallLabels(
  labels: Int32Array,
  count: number,
  minArea: number,
): { labels: Int32Array; count: number } {
  const area = new Int32Array(count + 1);
  for (let i = 0; i < labels.length; i++) area[labels[i]]++;
  return keepLabels(labels, count, (l) => area[l] >= minArea);
}

/**
 * Drop instances whose mean probability (over their pixels, on the map they were cut from) is
 * below `minMean`, and renumber: an object the network is unsure of all over is more often a
 * false object than a nucleus (docs/SEGMENTATION.md, *Object confidence filter*).
 */
export function dropUnsureLabels(
  labels: Int32Array,
  count: number,
  prob: ArrayLike<number>,
  minMean: number,
): { labels: Int32Array; count: number } {
  const sum = new Float64Array(count + 1);
  const area = new Float64Array(count + 1);
  for (let i = 0; i < labels.length; i++) {
    sum[labels[i]] += prob[i];
    area[labels[i]]++;
  }
  return keepLabels(labels, count, (l) => sum[l] >= minMean * area[l]);
}

/** Keep the labels `keep` accepts, renumbered 1..n in their old order. */
function keepLabels(
  labels: Int32Array,
  count: number,
  keep: (label: number) => boolean,
): { labels: Int32Array; count: number } {
  const map = new Int32Array(count + 1);
  let next = 0;
  for (let l = 1; l <= count; l++) if (keep(l)) map[l] = ++next;
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = map[labels[i]];
  return { labels: out, count: next };
}

/**
 * Outer boundary of one label as a closed polygon of pixel centres (Moore-neighbour tracing,
 * clockwise in image coordinates), starting at its first pixel in raster order.
 */
export function traceContour(
  labels: Int32Array,
  width: number,
  height: number,
  label: number,
  startIndex: number,
): [number, number][] {
  const at = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] === label;
  const sx = startIndex % width;
  const sy = (startIndex - sx) / width;
  const contour: [number, number][] = [[sx, sy]];
  let cx = sx;
  let cy = sy;
  // Backtrack = the last background neighbour checked; for the raster-first pixel, its west.
  let bx = sx - 1;
  let by = sy;
  const maxSteps = 4 * width * height + 8;
  for (let step = 0; step < maxSteps; step++) {
    let dir = 0;
    for (let k = 0; k < 8; k++) if (cx + N8X[k] === bx && cy + N8Y[k] === by) dir = k;
    let found = false;
    for (let k = 1; k <= 8; k++) {
      const d = (dir + k) % 8;
      const nx = cx + N8X[d];
      const ny = cy + N8Y[d];
      if (at(nx, ny)) {
        const prev = (d + 7) % 8;
        bx = cx + N8X[prev];
        by = cy + N8Y[prev];
        // Jacob's stop: back at the start about to repeat the first move.
        if (
          cx === sx &&
          cy === sy &&
          contour.length > 1 &&
          nx === contour[1][0] &&
          ny === contour[1][1]
        )
          return contour;
        cx = nx;
        cy = ny;
        found = true;
        break;
      }
    }
    if (!found) break; // isolated pixel
    if (!(cx === sx && cy === sy)) contour.push([cx, cy]);
    else if (contour.length === 1) break;
  }
  return contour;
}

/**
 * Perimeter of a closed 8-connected pixel chain with Kulpa's correction
 * ((π/8)(1+√2)·(n_even + √2·n_odd)), which removes most of the staircase overestimate of
 * counting diagonal steps as √2 (a digital disc would otherwise read ~8% too long).
 */
export function chainPerimeter(contour: [number, number][]): number {
  if (contour.length < 2) return 0;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < contour.length; i++) {
    const [x0, y0] = contour[i];
    const [x1, y1] = contour[(i + 1) % contour.length];
    if (x0 !== x1 && y0 !== y1) odd++;
    else even++;
  }
  return (Math.PI / 8) * (1 + Math.SQRT2) * (even + Math.SQRT2 * odd);
}

export interface InstanceStats {
  label: number;
  area: number;
  bbox: { x: number; y: number; width: number; height: number };
  centroid: { x: number; y: number };
  contour: [number, number][];
  morphometrics: Morphometrics;
}

/**
 * Per-instance bbox, centroid, contour and morphometrics. `grey` (0..1, same size) gives the mean
 * intensity. Perimeter = corrected length of the traced pixel-centre contour plus π (the
 * half-pixel band around it), so a digital disc of radius r gets ≈ 2πr and circularity ≈ 1.
 */
export function instanceStats(
  labels: Int32Array,
  count: number,
  width: number,
  height: number,
  grey: Float32Array,
): InstanceStats[] {
  const area = new Float64Array(count + 1);
  const sx = new Float64Array(count + 1);
  const sy = new Float64Array(count + 1);
  const sxx = new Float64Array(count + 1);
  const syy = new Float64Array(count + 1);
  const sxy = new Float64Array(count + 1);
  const sg = new Float64Array(count + 1);
  const minX = new Int32Array(count + 1).fill(width);
  const minY = new Int32Array(count + 1).fill(height);
  const maxX = new Int32Array(count + 1).fill(-1);
  const maxY = new Int32Array(count + 1).fill(-1);
  const first = new Int32Array(count + 1).fill(-1);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!l) continue;
    const x = i % width;
    const y = (i - x) / width;
    if (first[l] < 0) first[l] = i;
    area[l]++;
    sx[l] += x;
    sy[l] += y;
    sxx[l] += x * x;
    syy[l] += y * y;
    sxy[l] += x * y;
    sg[l] += grey[i];
    if (x < minX[l]) minX[l] = x;
    if (y < minY[l]) minY[l] = y;
    if (x > maxX[l]) maxX[l] = x;
    if (y > maxY[l]) maxY[l] = y;
  }
  const out: InstanceStats[] = [];
  for (let l = 1; l <= count; l++) {
    const a = area[l];
    if (!a) continue;
    const cx = sx[l] / a;
    const cy = sy[l] / a;
    const mxx = sxx[l] / a - cx * cx;
    const myy = syy[l] / a - cy * cy;
    const mxy = sxy[l] / a - cx * cy;
    const tr = mxx + myy;
    const disc = Math.sqrt(Math.max(0, ((mxx - myy) / 2) ** 2 + mxy * mxy));
    const l1 = tr / 2 + disc;
    const l2 = tr / 2 - disc;
    const eccentricity = l1 > 0 ? Math.sqrt(Math.max(0, 1 - l2 / l1)) : 0;
    const contour = traceContour(labels, width, height, l, first[l]);
    const perimeterPx = chainPerimeter(contour) + Math.PI;
    out.push({
      label: l,
      area: a,
      bbox: { x: minX[l], y: minY[l], width: maxX[l] - minX[l] + 1, height: maxY[l] - minY[l] + 1 },
      centroid: { x: cx, y: cy },
      contour,
      morphometrics: {
        areaPx: a,
        perimeterPx,
        circularity: Math.min(1, (4 * Math.PI * a) / (perimeterPx * perimeterPx)),
        eccentricity,
        meanIntensity: sg[l] / a,
      },
    });
  }
  return out;
}
