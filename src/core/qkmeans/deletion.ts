import { gridIndex, gridPositions, nearestCentroid } from './grid';
import { indexOfId, withoutWeights, type PointSet } from './points';
import { finishState, runLloyd, train, type TrainOptions } from './train';
import { representativeOf } from './representatives';
import { gridAt, seedIterations, type IterationRecord, type QkmState } from './state';
import { UserError } from '../errors';

export interface DeletionResult {
  readonly state: QkmState;
  /** The points without the removed weight (computed on first use: an O(n·D) copy the certified path itself does not need). */
  readonly points: PointSet;
  /** True when the certificate check passed: the state was updated in O(T·k·D) without retraining. */
  readonly certified: boolean;
  /** The first iteration whose quantized centroids the deletion would change (0 = a seed was deleted); null when certified. */
  readonly failedAt: number | null;
  readonly reason: string | null;
}

/**
 * Deletes weights (multiplicities) of examples: `removal` maps id → weight to remove (use the
 * example's whole weight to erase it). Applies the certificate check of ALGORITHMS.md §3 to the
 * whole batch at once; when it fails, retrains from the first failing iteration (everything
 * before it is provably unchanged), so the result always equals a retrain from scratch.
 *
 * Ownership: the input state is consumed — on the certified path its assignment map is updated in
 * place, so that path costs O(T·k·D·|removal| + |removal|·log n) and copies nothing of size n.
 */
export function deleteFromState(state: QkmState, points: PointSet, removalIn: ReadonlyMap<string, number>, opts: TrainOptions = {}): DeletionResult {
  const { eps } = state.params;
  const k = state.k;
  const D = points.dims;
  const removal = new Map<string, number>();
  const removedIdx: number[] = [];
  for (const [id, w] of removalIn) {
    const i = indexOfId(points, id);
    if (i < 0) throw new UserError(`no example with id ${id} in the clustered data`, 'input');
    if (!(Number.isInteger(w) && w >= 1)) throw new RangeError(`weight to remove for ${id} must be a positive integer`);
    removal.set(id, Math.min(w, points.weight[i]));
    removedIdx.push(i);
  }
  let newPoints: PointSet | null = null;
  const remaining = () => (newPoints ??= withoutWeights(points, removal));
  if (removal.size === 0) return { state, points, certified: true, failedAt: null, reason: null };

  let failedAt = Infinity;
  let reason: string | null = null;
  // k_eff = min(k, distinct examples) is a function of the data: a deletion that lowers it changes every iteration.
  let fullyRemoved = 0;
  for (const [id, w] of removal) if (w >= points.weight[indexOfId(points, id)]) fullyRemoved++;
  if (Math.min(state.params.k, points.ids.length - fullyRemoved) !== k) {
    failedAt = 0;
    reason = 'fewer distinct examples than k would remain (k_eff drops)';
  }
  const seeds = seedIterations(state);
  for (const id of removal.keys()) {
    const t = seeds.get(id);
    if (t !== undefined && t < failedAt) {
      failedAt = t;
      reason = t === 0 ? 'an initial seed was deleted' : `an empty-cluster reseed of iteration ${t} was deleted`;
    }
  }

  // Walk the path of the deleted points through the stored iterations.
  const stop = state.iterations.length;
  const subtract: { sums: Float64Array; counts: Float64Array }[] = [];
  for (let t = 1; t <= stop && t < failedAt; t++) {
    const centroids = gridPositions(gridAt(state, t - 1), state.phase, eps);
    const it = state.iterations[t - 1];
    const dSums = new Float64Array(k * D);
    const dCounts = new Float64Array(k);
    for (const i of removedIdx) {
      const j = nearestCentroid(points.real, i, centroids, k, D);
      const w = removal.get(points.ids[i])!;
      dCounts[j] += w;
      for (let c = 0; c < D; c++) dSums[j * D + c] += w * points.fixed[i * D + c];
    }
    subtract.push({ sums: dSums, counts: dCounts });
    const problem = checkIteration(it, dSums, dCounts, state.phase, eps, k, D);
    if (problem) {
      failedAt = t;
      reason = `iteration ${t}: ${problem}`;
      break;
    }
  }

  const subtracted = (t: number): IterationRecord => {
    const it = state.iterations[t - 1];
    const s = subtract[t - 1];
    const sums = Float64Array.from(it.sums, (x, i) => x - s.sums[i]);
    const counts = Float64Array.from(it.counts, (x, i) => x - s.counts[i]);
    return { grid: it.grid, sums, counts, reseeds: it.reseeds };
  };

  if (failedAt === Infinity) {
    const assignments = state.assignments as Map<string, readonly [number, number]>;
    const contents = state.contents as Map<string, string>;
    const lostRepresentative = new Set<number>();
    for (const [id, w] of removal) {
      const [c, old] = assignments.get(id)!;
      if (old - w > 0) assignments.set(id, [c, old - w]);
      else {
        assignments.delete(id);
        contents.delete(id);
        clusterIndex.get(assignments)?.get(c)?.delete(id);
        if (state.representatives[c] === id) lostRepresentative.add(c);
      }
    }
    const iterations = state.iterations.map((_, i) => subtracted(i + 1));
    const reps = [...state.representatives];
    if (lostRepresentative.size > 0) {
      // Only a cluster that lost its representative gets a new one: every other member kept its cluster and distance.
      const grid = gridAt(state, state.iterations.length);
      const index = membersIndex(assignments);
      for (const j of lostRepresentative) reps[j] = representativeOf(points, indicesOf(index.get(j), points), grid, state.phase, eps, j);
    }
    return {
      state: { ...state, iterations, n: state.n - sumValues(removal), assignments, contents, representatives: reps },
      get points() {
        return remaining();
      },
      certified: true,
      failedAt: null,
      reason: null,
    };
  }

  if (failedAt === 0) return { state: train(remaining(), state.params, opts), points: remaining(), certified: false, failedAt: 0, reason };
  const rest = remaining();

  // Retrain from the first failing iteration: iterations before it are unchanged but for the sums.
  const prefix: IterationRecord[] = [];
  for (let t = 1; t < failedAt; t++) prefix.push(subtracted(t));
  const run = runLloyd(rest, state.params, state.phase, gridAt(state, failedAt - 1), failedAt, opts);
  return {
    state: finishState(rest, state.params, k, state.phase, state.initSeeds, state.initGrid, run, prefix),
    points: rest,
    certified: false,
    failedAt,
    reason,
  };
}

/** Returns why the iteration's quantized centroids would change without the removed weight, or null. */
function checkIteration(it: IterationRecord, dSums: Float64Array, dCounts: Float64Array, phase: Float64Array, eps: number, k: number, D: number): string | null {
  for (let j = 0; j < k; j++) {
    if (dCounts[j] === 0) continue;
    const count = it.counts[j] - dCounts[j];
    if (count <= 0) return `cluster ${j} would become empty`;
    for (let c = 0; c < D; c++) {
      const g = gridIndex(it.sums[j * D + c] - dSums[j * D + c], count, phase[c], eps);
      if (g !== it.grid[j * D + c]) return `the quantized centroid of cluster ${j} would move`;
    }
  }
  return null;
}

/**
 * Cluster → member ids, per assignment map (the certified path updates that map in place, so the
 * index stays valid and is kept up to date there). Built once in O(n) when a representative is
 * first lost; afterwards a lost representative costs O(cluster size · (D + log n)).
 */
const clusterIndex = new WeakMap<ReadonlyMap<string, readonly [number, number]>, Map<number, Set<string>>>();

function membersIndex(assignments: ReadonlyMap<string, readonly [number, number]>): Map<number, Set<string>> {
  let index = clusterIndex.get(assignments);
  if (!index) {
    index = new Map();
    for (const [id, [c]] of assignments) {
      let set = index.get(c);
      if (!set) index.set(c, (set = new Set()));
      set.add(id);
    }
    clusterIndex.set(assignments, index);
  }
  return index;
}

/** Indices (in `points`) of the given member ids. */
function* indicesOf(members: ReadonlySet<string> | undefined, points: PointSet): Generator<number> {
  for (const id of members ?? []) yield indexOfId(points, id);
}

function sumValues(m: ReadonlyMap<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}
