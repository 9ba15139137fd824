import { compareIds } from '../hash';
import type { PointSet } from '../qkmeans/points';

export interface NearDuplicateGroup {
  /** Member ids, ascending. */
  readonly ids: readonly string[];
  /** The largest distance between two linked members (projected units). */
  readonly maxDistance: number;
}

/**
 * Groups of near-identical examples: points whose projected vectors lie within `threshold` of each
 * other (Euclidean), joined transitively. Every pair within the threshold is found — no pair is
 * missed, unlike per-cluster search (a boundary can split twins) or hashing (probabilistic) — yet
 * not every pair is compared: the points are sorted along the axis of largest spread and each is
 * compared only with those less than `threshold` ahead of it on that axis (sweep and prune).
 * Exact ties in the order are broken by id, so the result depends on the data alone.
 */
export function nearDuplicateGroups(points: PointSet, threshold: number): NearDuplicateGroup[] {
  const D = points.dims;
  const n = points.ids.length;
  if (n < 2 || !(threshold >= 0)) return [];
  const axis = widestAxis(points);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => points.real[a * D + axis] - points.real[b * D + axis] || compareIds(points.ids[a], points.ids[b]));
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const linkMax = new Map<number, number>();
  const t2 = threshold * threshold;
  for (let p = 0; p < n; p++) {
    const i = order[p];
    const xi = points.real[i * D + axis];
    for (let q = p + 1; q < n; q++) {
      const j = order[q];
      if (points.real[j * D + axis] - xi > threshold) break;
      let d = 0;
      for (let c = 0; c < D && d <= t2; c++) {
        const x = points.real[i * D + c] - points.real[j * D + c];
        d += x * x;
      }
      if (d > t2) continue;
      const ri = find(i);
      const rj = find(j);
      const m = Math.max(Math.sqrt(d), linkMax.get(ri) ?? 0, linkMax.get(rj) ?? 0);
      const root = Math.min(ri, rj);
      parent[ri] = parent[rj] = root;
      linkMax.set(root, m);
    }
  }
  const groups = new Map<number, string[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    const g = groups.get(r) ?? [];
    g.push(points.ids[i]);
    groups.set(r, g);
  }
  const out: NearDuplicateGroup[] = [];
  for (const [r, ids] of groups) if (ids.length > 1) out.push({ ids: ids.sort(compareIds), maxDistance: linkMax.get(r) ?? 0 });
  return out.sort((a, b) => b.ids.length - a.ids.length || compareIds(a.ids[0], b.ids[0]));
}

function widestAxis(points: PointSet): number {
  const D = points.dims;
  let best = 0;
  let bestVar = -1;
  for (let c = 0; c < D; c++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < points.ids.length; i++) {
      const x = points.real[i * D + c];
      s += x;
      s2 += x * x;
    }
    const v = s2 - (s * s) / points.ids.length;
    if (v > bestVar) {
      bestVar = v;
      best = c;
    }
  }
  return best;
}
