import { compareIds } from '../hash';
import { FIXED_ONE } from '../fixedpoint';

/**
 * The examples as the clustering sees them: ids in canonical (sorted) order, each with a
 * multiplicity (weight) and a projected fixed-point vector. Sorting removes any dependence on
 * file order or insertion order.
 */
export interface PointSet {
  readonly dims: number;
  readonly ids: readonly string[]; // ascending by compareIds
  readonly weight: Float64Array; // multiplicity, an integer ≥ 1
  readonly fixed: Int32Array; // n × dims, fixed-point (2^20 = 1.0)
  readonly real: Float64Array; // n × dims, fixed / 2^20 (exact)
  /** Per point, the SHA-256 (hex) of the embedded text its vector came from ('' when the caller has none). */
  readonly contents: readonly string[];
}

export interface PointInput {
  readonly id: string;
  readonly weight: number;
  readonly vector: ArrayLike<number>; // projected, fixed-point, length dims
  /** SHA-256 (hex) of the embedded text: recorded in the state so an edited text is visible. */
  readonly content?: string;
}

export function makePointSet(dims: number, input: readonly PointInput[]): PointSet {
  const sorted = [...input].sort((a, b) => compareIds(a.id, b.id));
  const n = sorted.length;
  const ids: string[] = new Array(n);
  const weight = new Float64Array(n);
  const fixed = new Int32Array(n * dims);
  const real = new Float64Array(n * dims);
  const contents: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = sorted[i];
    contents[i] = p.content ?? '';
    if (i > 0 && ids[i - 1] === p.id) throw new Error(`duplicate example id in point set: ${p.id}`);
    if (!(Number.isInteger(p.weight) && p.weight >= 1)) throw new RangeError(`weight of ${p.id} must be a positive integer`);
    if (p.vector.length !== dims) throw new RangeError(`vector of ${p.id} has ${p.vector.length} dimensions, expected ${dims}`);
    ids[i] = p.id;
    weight[i] = p.weight;
    for (let c = 0; c < dims; c++) {
      fixed[i * dims + c] = p.vector[c];
      real[i * dims + c] = p.vector[c] / FIXED_ONE;
    }
  }
  return { dims, ids, weight, fixed, real, contents };
}

/** The point set without the given weights (weight ≥ the point's weight removes it entirely). O(n·D), no re-sort. */
export function withoutWeights(points: PointSet, removal: ReadonlyMap<string, number>): PointSet {
  const removedAt = new Map<number, number>();
  for (const [id, w] of removal) {
    const i = indexOfId(points, id);
    if (i >= 0) removedAt.set(i, w);
  }
  return withoutWeightsAt(points, removedAt);
}

/**
 * The point set without the given weights, keyed by index (weight ≥ the point's weight removes it
 * entirely). O(n·D): the kept points are copied in runs between removed ones, one block copy per run.
 */
export function withoutWeightsAt(points: PointSet, removedAt: ReadonlyMap<number, number>): PointSet {
  const D = points.dims;
  const n = points.ids.length;
  const remaining = points.weight.slice();
  for (const [i, w] of removedAt) remaining[i] = Math.max(0, remaining[i] - w);
  let kept = 0;
  for (let i = 0; i < n; i++) if (remaining[i] > 0) kept++;
  const ids: string[] = new Array(kept);
  const weight = new Float64Array(kept);
  const fixed = new Int32Array(kept * D);
  const real = new Float64Array(kept * D);
  const contents: string[] = new Array(kept);
  let o = 0;
  for (let i = 0; i < n; ) {
    if (remaining[i] <= 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < n && remaining[end] > 0) {
      ids[o + end - i] = points.ids[end];
      contents[o + end - i] = points.contents[end];
      weight[o + end - i] = remaining[end];
      end++;
    }
    fixed.set(points.fixed.subarray(i * D, end * D), o * D);
    real.set(points.real.subarray(i * D, end * D), o * D);
    o += end - i;
    i = end;
  }
  return { dims: D, ids, weight, fixed, real, contents };
}

/** Index of an id in a point set (binary search over the sorted ids), or −1. */
export function indexOfId(points: PointSet, id: string): number {
  let lo = 0;
  let hi = points.ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareIds(points.ids[mid], id);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
