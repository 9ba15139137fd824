import { gridPositions } from '../qkmeans/grid';
import type { PointSet } from '../qkmeans/points';
import { finalGrid, type QkmState } from '../qkmeans/state';

/**
 * ERASE's dataset-level selection: the representative of each cluster is its member nearest to
 * the cluster's final quantized centroid (ties: lowest id). Null for a cluster with no members.
 * It is part of the hashed state (computed by training, kept up to date by the deletion path).
 */
export function representatives(state: QkmState): (string | null)[] {
  return [...state.representatives];
}

/** Ids of the m members of each cluster nearest its centroid (query-adaptive mode uses several per cluster). */
export function nearestMembers(state: QkmState, points: PointSet, cluster: number, m: number): string[] {
  const { eps } = state.params;
  const D = points.dims;
  const centroids = gridPositions(finalGrid(state), state.phase, eps);
  const scored: { id: string; d: number }[] = [];
  for (let i = 0; i < points.ids.length; i++) {
    const a = state.assignments.get(points.ids[i]);
    if (!a || a[0] !== cluster) continue;
    let d = 0;
    for (let c = 0; c < D; c++) {
      const x = points.real[i * D + c] - centroids[cluster * D + c];
      d += x * x;
    }
    scored.push({ id: points.ids[i], d });
  }
  scored.sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return scored.slice(0, m).map((s) => s.id);
}
