import { gridPositions, nearestCentroid } from './grid';
import type { PointSet } from './points';
import { finalGrid, gridAt, seedIterations, type QkmState } from './state';

/**
 * Reports about a trained state. None of this shapes the state, so ordinary floating point is
 * fine here (and Math functions would be too).
 */

export interface QualityReport {
  /** Share of plain k-means' improvement over one centre kept by Q-k-means (ALGORITHMS.md §3). */
  readonly ve: number;
  readonly msdQuantized: number;
  readonly msdPlain: number;
  readonly v1: number;
  readonly nonEmpty: number;
  readonly warnings: string[];
}

export function clusteringQuality(state: QkmState, points: PointSet): QualityReport {
  const k = state.k;
  const D = points.dims;
  const n = points.ids.length;
  if (n === 0) return { ve: 1, msdQuantized: 0, msdPlain: 0, v1: 0, nonEmpty: 0, warnings: ['the data set is empty: the prompt has no examples'] };
  let W = 0;
  const mean = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    W += points.weight[i];
    for (let c = 0; c < D; c++) mean[c] += points.weight[i] * points.real[i * D + c];
  }
  for (let c = 0; c < D; c++) mean[c] /= W;
  let v1 = 0;
  for (let i = 0; i < n; i++) v1 += points.weight[i] * dist2(points.real, i, mean, 0, D);
  v1 /= W;

  const centroids = gridPositions(finalGrid(state), state.phase, state.params.eps);
  let msdQ = 0;
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const [j] = state.assignments.get(points.ids[i])!;
    sizes[j] += points.weight[i];
    msdQ += points.weight[i] * dist2(points.real, i, centroids, j * D, D);
  }
  msdQ /= W;
  const msdPlain = plainKMeansMsd(points, state);
  const nonEmpty = Array.from(sizes).filter((s) => s > 0).length;
  const ve = v1 - msdPlain > 0 ? (v1 - msdQ) / (v1 - msdPlain) : 1;
  const warnings: string[] = [];
  if (ve < 0.75) warnings.push(`clustering quality is low (VE = ${ve.toFixed(3)} < 0.75): lower eps`);
  if (k < state.params.k) warnings.push(`the data set has only ${n} distinct examples: clustering with k = ${k} instead of ${state.params.k}`);
  if (nonEmpty < k) warnings.push(`only ${nonEmpty} of ${k} clusters are non-empty: lower k or eps`);
  const biggest = Math.max(...sizes);
  if (k > 1 && biggest > 0.9 * W) warnings.push(`one cluster holds ${((100 * biggest) / W).toFixed(0)}% of the data: the clustering has collapsed, lower eps`);
  return { ve, msdQuantized: msdQ, msdPlain, v1, nonEmpty, warnings };
}

/** Unquantized Lloyd from the same initial seeds (the reference for VE). */
function plainKMeansMsd(points: PointSet, state: QkmState): number {
  const { maxIter } = state.params;
  const k = state.k;
  const D = points.dims;
  const n = points.ids.length;
  const centroids = new Float64Array(k * D);
  const index = new Map(points.ids.map((id, i) => [id, i] as const));
  state.initSeeds.forEach((id, j) => {
    const i = index.get(id)!;
    for (let c = 0; c < D; c++) centroids[j * D + c] = points.real[i * D + c];
  });
  const assign = new Int32Array(n).fill(-1);
  for (let t = 0; t < Math.max(maxIter, 20); t++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      const j = nearestCentroid(points.real, i, centroids, k, D);
      if (j !== assign[i]) changed = true;
      assign[i] = j;
    }
    if (!changed) break;
    const sums = new Float64Array(k * D);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const w = points.weight[i];
      counts[assign[i]] += w;
      for (let c = 0; c < D; c++) sums[assign[i] * D + c] += w * points.real[i * D + c];
    }
    for (let j = 0; j < k; j++) if (counts[j] > 0) for (let c = 0; c < D; c++) centroids[j * D + c] = sums[j * D + c] / counts[j];
  }
  let msd = 0;
  let W = 0;
  for (let i = 0; i < n; i++) {
    W += points.weight[i];
    msd += points.weight[i] * dist2(points.real, i, centroids, assign[i] * D, D);
  }
  return msd / W;
}

function dist2(real: Float64Array, i: number, c: Float64Array, off: number, D: number): number {
  let s = 0;
  for (let d = 0; d < D; d++) {
    const x = real[i * D + d] - c[off + d];
    s += x * x;
  }
  return s;
}

/**
 * Predicted certified fraction: for each example, the probability (over a uniform grid phase)
 * that removing it moves no quantized coordinate on its path, Π (1 − min(1, |shift|/ε)), averaged
 * over examples. Seeds count as 0. Failures are lumpy, so this is more honest than a lucky run.
 */
export function predictedCertifiedFraction(state: QkmState, points: PointSet): number {
  const { eps } = state.params;
  const k = state.k;
  const D = points.dims;
  const n = points.ids.length;
  if (n === 0) return 0;
  const prob = new Float64Array(n).fill(1);
  const seeds = seedIterations(state);
  for (let t = 1; t <= state.iterations.length; t++) {
    const centroids = gridPositions(gridAt(state, t - 1), state.phase, eps);
    const it = state.iterations[t - 1];
    for (let i = 0; i < n; i++) {
      if (prob[i] === 0) continue;
      const j = nearestCentroid(points.real, i, centroids, k, D);
      const w = points.weight[i];
      const N = it.counts[j];
      if (N - w <= 0) {
        prob[i] = 0;
        continue;
      }
      let p = prob[i];
      for (let c = 0; c < D; c++) {
        const mean = it.sums[j * D + c] / N / 1048576;
        const shift = Math.abs((w * (mean - points.real[i * D + c])) / (N - w));
        p *= 1 - Math.min(1, shift / eps);
      }
      prob[i] = p;
    }
  }
  // An erasure that lowers k_eff (k ≥ distinct examples) always retrains.
  if (state.k < state.params.k || n - 1 < state.k) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += seeds.has(points.ids[i]) ? 0 : prob[i];
  return s / n;
}
