import type { PointSet } from '../qkmeans/points';

/**
 * A 2-D map in which clusters do not overlap. Display only: fitted on the data, it must never
 * feed anything that shapes the cluster state. Deterministic (fixed starts, no randomness).
 *
 * 1. Cluster centres: classical MDS of the distances between the quantized centroids (the top two
 *    eigenvectors of the double-centred squared-distance matrix, by power iteration), so clusters
 *    far apart in the projected space are far apart on screen.
 * 2. Members: their offsets from their centroid, projected on the two main axes of the pooled
 *    within-cluster scatter, then scaled per cluster so that nearly all of a cluster (its 90th
 *    percentile radius) fits within 40% of the gap to the nearest other centre; the rest is pulled in
 *    to 45% of it, so every point is nearer its own centre than any other.
 */
export function separatedLayout(points: PointSet, cluster: Int32Array, centroids: Float64Array, k: number): { x: Float32Array; y: Float32Array; centres: Float64Array } {
  const D = points.dims;
  const n = points.ids.length;
  const centres = mdsCentres(centroids, k, D);
  // Pooled within-cluster scatter: its top two axes show the shape of the clusters.
  const within = new Float64Array(D * D);
  for (let i = 0; i < n; i++) {
    const j = cluster[i];
    if (j < 0) continue;
    for (let a = 0; a < D; a++) {
      const da = points.real[i * D + a] - centroids[j * D + a];
      for (let b = 0; b < D; b++) within[a * D + b] += points.weight[i] * da * (points.real[i * D + b] - centroids[j * D + b]);
    }
  }
  const u1 = topEigenvector(within, D, []);
  const u2 = topEigenvector(within, D, [u1]);
  const ox = new Float64Array(n);
  const oy = new Float64Array(n);
  const radii: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) {
    const j = cluster[i];
    if (j < 0) continue;
    for (let c = 0; c < D; c++) {
      const d = points.real[i * D + c] - centroids[j * D + c];
      ox[i] += d * u1[c];
      oy[i] += d * u2[c];
    }
    radii[j].push(Math.hypot(ox[i], oy[i]));
  }
  const gap = nearestCentreGaps(centres, k);
  const scale = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const r = percentile(radii[j], 0.9);
    // No other centre (k = 1) or one on top of it: nothing to keep apart, the offsets keep their size.
    scale[j] = r > 0 && gap[j] > 0 && Number.isFinite(gap[j]) ? (0.4 * gap[j]) / r : 1;
  }
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const j = cluster[i];
    if (j < 0) continue;
    // The farthest tenth is pulled in to the rim (under half the gap): a stray point must not land in another cluster.
    const r = scale[j] * Math.hypot(ox[i], oy[i]);
    const rim = 0.45 * gap[j];
    const shrink = gap[j] > 0 && r > rim ? rim / r : 1; // an infinite rim never shrinks
    x[i] = centres[2 * j] + shrink * scale[j] * ox[i];
    y[i] = centres[2 * j + 1] + shrink * scale[j] * oy[i];
  }
  return { x, y, centres };
}

/** Classical MDS of k points in D dimensions down to 2: returns k × 2 coordinates. */
export function mdsCentres(centroids: Float64Array, k: number, D: number): Float64Array {
  const out = new Float64Array(2 * k);
  if (k < 2) return out;
  // B = −½ J D² J, which for Euclidean distances is the Gram matrix of the centred centroids.
  const mean = new Float64Array(D);
  for (let j = 0; j < k; j++) for (let c = 0; c < D; c++) mean[c] += centroids[j * D + c] / k;
  const sq = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      let d = 0;
      for (let c = 0; c < D; c++) {
        const x = centroids[a * D + c] - centroids[b * D + c];
        d += x * x;
      }
      sq[a * k + b] = d;
    }
  const rowMean = new Float64Array(k);
  let allMean = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) rowMean[a] += sq[a * k + b] / k;
    allMean += rowMean[a] / k;
  }
  const B = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) B[a * k + b] = -0.5 * (sq[a * k + b] - rowMean[a] - rowMean[b] + allMean);
  const v1 = topEigenvector(B, k, []);
  const v2 = topEigenvector(B, k, [v1]);
  const l1 = Math.max(0, rayleigh(B, v1, k));
  const l2 = Math.max(0, rayleigh(B, v2, k));
  for (let j = 0; j < k; j++) {
    out[2 * j] = Math.sqrt(l1) * v1[j];
    out[2 * j + 1] = Math.sqrt(l2) * v2[j];
  }
  return out;
}

/** Power iteration for the top eigenvector of a symmetric PSD matrix, orthogonal to `against`; fixed start. */
export function topEigenvector(m: Float64Array, n: number, against: readonly Float64Array[]): Float64Array {
  let v = new Float64Array(n).map((_, i) => 1 / Math.sqrt(n) + (i % 2 ? 0.01 : -0.01) * (i + 1));
  for (let it = 0; it < 200; it++) {
    for (const u of against) {
      let dot = 0;
      for (let c = 0; c < n; c++) dot += v[c] * u[c];
      for (let c = 0; c < n; c++) v[c] -= dot * u[c];
    }
    const w = new Float64Array(n);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) w[a] += m[a * n + b] * v[b];
    const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    if (norm === 0) break;
    v = w.map((x) => x / norm);
  }
  return v;
}

function rayleigh(m: Float64Array, v: Float64Array, n: number): number {
  let s = 0;
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) s += v[a] * m[a * n + b] * v[b];
  return s;
}

function nearestCentreGaps(centres: Float64Array, k: number): Float64Array {
  const gap = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    let best = Infinity;
    for (let b = 0; b < k; b++) if (b !== a) best = Math.min(best, Math.hypot(centres[2 * a] - centres[2 * b], centres[2 * a + 1] - centres[2 * b + 1]));
    gap[a] = best;
  }
  return gap;
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
}

/**
 * How well a 2-D map separates the clusters: the share of points whose nearest 2-D cluster centre
 * (the mean of the cluster's 2-D points) is their own cluster's, and the between-cluster share of
 * the 2-D variance. 1 and 1 is perfect; a single blob scores near 1/k and near 0.
 */
export function separation(x: ArrayLike<number>, y: ArrayLike<number>, cluster: ArrayLike<number>, k: number): { ownNearest: number; betweenShare: number } {
  const n = cluster.length;
  const cx = new Float64Array(k);
  const cy = new Float64Array(k);
  const cnt = new Float64Array(k);
  let mx = 0;
  let my = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const j = cluster[i];
    if (j < 0) continue;
    cx[j] += x[i];
    cy[j] += y[i];
    cnt[j]++;
    mx += x[i];
    my += y[i];
    m++;
  }
  if (m === 0) return { ownNearest: 1, betweenShare: 1 };
  mx /= m;
  my /= m;
  for (let j = 0; j < k; j++) {
    if (cnt[j] === 0) continue;
    cx[j] /= cnt[j];
    cy[j] /= cnt[j];
  }
  let own = 0;
  let total = 0;
  let between = 0;
  for (let i = 0; i < n; i++) {
    const j = cluster[i];
    if (j < 0) continue;
    total += (x[i] - mx) ** 2 + (y[i] - my) ** 2;
    between += (cx[j] - mx) ** 2 + (cy[j] - my) ** 2;
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      if (cnt[c] === 0) continue;
      const d = (x[i] - cx[c]) ** 2 + (y[i] - cy[c]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    if (best === j) own++;
  }
  return { ownNearest: own / m, betweenShare: total > 0 ? between / total : 1 };
}
