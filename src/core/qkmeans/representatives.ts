import { gridPositions } from './grid';
import type { PointSet } from './points';
import { compareIds } from '../hash';

/**
 * ERASE's dataset-level selection (ALGORITHMS.md §5): the representative of a cluster is its
 * member nearest to the cluster's final quantized centroid, ties broken by the lowest id. It is
 * part of the hashed state, so a stale prompt cannot pass `verify`.
 */

/** Squared distance from point i to centroid j (the same arithmetic everywhere, so the same bits). */
function dist2(points: PointSet, i: number, centroids: Float64Array, j: number): number {
  const D = points.dims;
  let d = 0;
  for (let c = 0; c < D; c++) {
    const x = points.real[i * D + c] - centroids[j * D + c];
    d += x * x;
  }
  return d;
}

/** Representatives of all k clusters from the point set and each point's cluster (null: no member). O(n·D). */
export function allRepresentatives(points: PointSet, clusterOf: (i: number) => number, grid: Int32Array, phase: Float64Array, eps: number, k: number): (string | null)[] {
  const centroids = gridPositions(grid, phase, eps);
  const best: (string | null)[] = new Array(k).fill(null);
  const bestDist = new Float64Array(k).fill(Infinity);
  for (let i = 0; i < points.ids.length; i++) {
    const j = clusterOf(i);
    if (j < 0) continue;
    const d = dist2(points, i, centroids, j);
    if (d < bestDist[j] || (d === bestDist[j] && compareIds(points.ids[i], best[j]!) < 0)) {
      bestDist[j] = d;
      best[j] = points.ids[i];
    }
  }
  return best;
}

/**
 * The representative of one cluster from its members only (indices into `points`): what a certified
 * deletion needs when it removed a cluster's representative. O(cluster size · D).
 */
export function representativeOf(points: PointSet, members: Iterable<number>, grid: Int32Array, phase: Float64Array, eps: number, cluster: number): string | null {
  const centroids = gridPositions(grid, phase, eps);
  let best: string | null = null;
  let bestDist = Infinity;
  for (const i of members) {
    const d = dist2(points, i, centroids, cluster);
    if (d < bestDist || (d === bestDist && compareIds(points.ids[i], best!) < 0)) {
      bestDist = d;
      best = points.ids[i];
    }
  }
  return best;
}
