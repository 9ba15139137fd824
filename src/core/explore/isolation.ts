import { compareIds } from '../hash';
import { gridPositions } from '../qkmeans/grid';
import type { PointSet } from '../qkmeans/points';
import { finalGrid, type QkmState } from '../qkmeans/state';

/** Per point of `points`: its cluster in the state (−1 when the state does not hold it) and its distance to that cluster's quantized centroid. */
export interface CentroidDistances {
  readonly cluster: Int32Array;
  readonly distance: Float64Array;
}

export function centroidDistances(state: QkmState, points: PointSet): CentroidDistances {
  const D = points.dims;
  const n = points.ids.length;
  const centroids = gridPositions(finalGrid(state), state.phase, state.params.eps);
  const cluster = new Int32Array(n).fill(-1);
  const distance = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = state.assignments.get(points.ids[i]);
    if (!a) continue;
    const j = a[0];
    cluster[i] = j;
    let d = 0;
    for (let c = 0; c < D; c++) {
      const x = points.real[i * D + c] - centroids[j * D + c];
      d += x * x;
    }
    distance[i] = Math.sqrt(d);
  }
  return { cluster, distance };
}

/** The `count` members of each cluster farthest from its quantized centroid (ties: lowest id first). */
export function clusterOutliers(state: QkmState, points: PointSet, count: number): string[][] {
  const { cluster, distance } = centroidDistances(state, points);
  const members: number[][] = Array.from({ length: state.k }, () => []);
  for (let i = 0; i < cluster.length; i++) if (cluster[i] >= 0) members[cluster[i]].push(i);
  return members.map((m) =>
    m
      .sort((a, b) => distance[b] - distance[a] || compareIds(points.ids[a], points.ids[b]))
      .slice(0, count)
      .map((i) => points.ids[i]),
  );
}

export interface IsolatedExample {
  readonly id: string;
  readonly cluster: number;
  /** Distance to its cluster's quantized centroid, in projected units. */
  readonly distance: number;
  /** That distance over the cluster's root-mean-square member distance: above ~2 is far out for its cluster. */
  readonly score: number;
}

/**
 * The most isolated examples of the data set: distance to their own centroid measured in their
 * cluster's typical radius, so a loose cluster's ordinary members do not crowd out a tight
 * cluster's real stray. Ties: lowest id first.
 */
export function isolatedExamples(state: QkmState, points: PointSet, limit: number): IsolatedExample[] {
  const { cluster, distance } = centroidDistances(state, points);
  const sq = new Float64Array(state.k);
  const w = new Float64Array(state.k);
  for (let i = 0; i < cluster.length; i++) {
    if (cluster[i] < 0) continue;
    sq[cluster[i]] += points.weight[i] * distance[i] * distance[i];
    w[cluster[i]] += points.weight[i];
  }
  const out: IsolatedExample[] = [];
  for (let i = 0; i < cluster.length; i++) {
    const j = cluster[i];
    if (j < 0) continue;
    const rms = Math.sqrt(sq[j] / w[j]);
    out.push({ id: points.ids[i], cluster: j, distance: distance[i], score: rms > 0 ? distance[i] / rms : 0 });
  }
  out.sort((a, b) => b.score - a.score || compareIds(a.id, b.id));
  return out.slice(0, limit);
}
