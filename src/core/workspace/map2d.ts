import type { PointSet } from '../qkmeans/points';

/**
 * A 2-D view of the projected points for the cluster map. The axes are the top two principal
 * axes of the between-cluster scatter (cluster centroids weighted by size) plus a little of the
 * total scatter, so the clusters separate on screen instead of overlapping in one blob, as they
 * do on the plain principal axes of hashed text. Display only — fitted on the data, so it must
 * never feed anything that shapes the cluster state.
 */
export function projectTo2d(points: PointSet, clusters?: { centroids: Float64Array; sizes: ArrayLike<number> }): { x: Float32Array; y: Float32Array } {
  const D = points.dims;
  const n = points.ids.length;
  const mean = new Float64Array(D);
  for (let i = 0; i < n; i++) for (let c = 0; c < D; c++) mean[c] += points.real[i * D + c];
  for (let c = 0; c < D; c++) mean[c] /= Math.max(1, n);
  const cov = new Float64Array(D * D);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < D; a++) {
      const xa = points.real[i * D + a] - mean[a];
      for (let b = a; b < D; b++) cov[a * D + b] += xa * (points.real[i * D + b] - mean[b]);
    }
  }
  for (let a = 0; a < D; a++) for (let b = 0; b < a; b++) cov[a * D + b] = cov[b * D + a];
  if (clusters) {
    // cov ← between-cluster scatter + 5% of the total scatter (which breaks ties when k < 3).
    for (let i = 0; i < cov.length; i++) cov[i] *= 0.05;
    const k = clusters.sizes.length;
    for (let j = 0; j < k; j++) {
      const w = clusters.sizes[j];
      if (!(w > 0)) continue;
      for (let a = 0; a < D; a++) {
        const da = clusters.centroids[j * D + a] - mean[a];
        for (let b = 0; b < D; b++) cov[a * D + b] += w * da * (clusters.centroids[j * D + b] - mean[b]);
      }
    }
  }
  const v1 = powerIteration(cov, D, null);
  const v2 = powerIteration(cov, D, v1);
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s1 = 0;
    let s2 = 0;
    for (let c = 0; c < D; c++) {
      const d = points.real[i * D + c] - mean[c];
      s1 += d * v1[c];
      s2 += d * v2[c];
    }
    x[i] = s1;
    y[i] = s2;
  }
  return { x, y };
}

function powerIteration(m: Float64Array, D: number, orthogonalTo: Float64Array | null): Float64Array {
  let v = new Float64Array(D).map((_, i) => 1 / Math.sqrt(D) + (i % 2 ? 0.01 : -0.01) * (i + 1));
  for (let it = 0; it < 100; it++) {
    if (orthogonalTo) {
      let dot = 0;
      for (let c = 0; c < D; c++) dot += v[c] * orthogonalTo[c];
      for (let c = 0; c < D; c++) v[c] -= dot * orthogonalTo[c];
    }
    const w = new Float64Array(D);
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) w[a] += m[a * D + b] * v[b];
    const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    if (norm === 0) break;
    v = w.map((x) => x / norm);
  }
  return v;
}
