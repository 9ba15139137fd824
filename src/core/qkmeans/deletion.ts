import { gridIndex, gridPositionsInto, nearestCentroid } from './grid';
import { indexOfId, withoutWeights, type PointSet } from './points';
import { finishState, runLloyd, train, type TrainOptions } from './train';
import { representativeOf } from './representatives';
import { gridAt, type IterationRecord, type QkmState } from './state';
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
 * Ownership: the input state is consumed — on the certified path its assignment map and its
 * iterations' sums and counts are updated in place, so that path costs O(T·k·D·|removal| +
 * |removal|·log n) and copies nothing of size n (nor of size T·k·D).
 */
/**
 * For a caller that holds only the removed points (workspace/leanErasure.ts): `distinct` is the
 * state's number of distinct examples (≥ params.k + |removal| is enough), since `points` does not
 * have them all; `certifyOnly` returns the failed check without retraining on those few points.
 */
export interface DeletionOptions extends TrainOptions {
  readonly distinct?: number;
  readonly certifyOnly?: boolean;
}

export function deleteFromState(state: QkmState, points: PointSet, removalIn: ReadonlyMap<string, number>, opts: DeletionOptions = {}): DeletionResult {
  const { eps } = state.params;
  const k = state.k;
  const D = points.dims;
  const removal = new Map<string, number>();
  const removedIdx: number[] = [];
  const removedWeight: number[] = [];
  for (const [id, w] of removalIn) {
    const i = indexOfId(points, id);
    if (i < 0) throw new UserError(`no example with id ${id} in the clustered data`, 'input');
    if (!(Number.isInteger(w) && w >= 1)) throw new RangeError(`weight to remove for ${id} must be a positive integer`);
    removal.set(id, Math.min(w, points.weight[i]));
    removedIdx.push(i);
    removedWeight.push(Math.min(w, points.weight[i]));
  }
  let newPoints: PointSet | null = null;
  const remaining = () => (newPoints ??= withoutWeights(points, removal));
  if (removal.size === 0) return { state, points, certified: true, failedAt: null, reason: null };

  let failedAt = Infinity;
  let reason: string | null = null;
  // k_eff = min(k, distinct examples) is a function of the data: a deletion that lowers it changes every iteration.
  let fullyRemoved = 0;
  for (let r = 0; r < removedIdx.length; r++) if (removedWeight[r] >= points.weight[removedIdx[r]]) fullyRemoved++;
  if (Math.min(state.params.k, (opts.distinct ?? points.ids.length) - fullyRemoved) !== k) {
    failedAt = 0;
    reason = 'fewer distinct examples than k would remain (k_eff drops)';
  }
  for (const id of removal.keys()) {
    const t = seedIteration(state, id);
    if (t !== null && t < failedAt) {
      failedAt = t;
      reason = t === 0 ? 'an initial seed was deleted' : `an empty-cluster reseed of iteration ${t} was deleted`;
    }
  }

  // Walk the path of the deleted points through the stored iterations. The loop allocates nothing:
  // centroid positions and the removed sums live in scratch buffers reused across calls.
  const stop = state.iterations.length;
  const kd = k * D;
  const scratch = scratchFor(stop, k, D);
  const { centroids, dSums, dCounts } = scratch;
  dSums.fill(0, 0, stop * kd);
  dCounts.fill(0, 0, stop * k);
  let walked = 0; // iterations whose removed sums are in the scratch buffers
  for (let t = 1; t <= stop && t < failedAt; t++) {
    gridPositionsInto(gridAt(state, t - 1), state.phase, eps, centroids);
    const it = state.iterations[t - 1];
    const sOff = (t - 1) * kd;
    const cOff = (t - 1) * k;
    for (let r = 0; r < removedIdx.length; r++) {
      const i = removedIdx[r];
      const j = nearestCentroid(points.real, i, centroids, k, D);
      const w = removedWeight[r];
      dCounts[cOff + j] += w;
      for (let c = 0, f = i * D, o = sOff + j * D; c < D; c++) dSums[o + c] += w * points.fixed[f + c];
    }
    walked = t;
    const problem = checkIteration(it, dSums, sOff, dCounts, cOff, state.phase, eps, k, D);
    if (problem) {
      failedAt = t;
      reason = `iteration ${t}: ${problem}`;
      break;
    }
  }

  const subtracted = (t: number): IterationRecord => {
    if (t > walked) throw new Error(`internal: iteration ${t} was not walked`);
    const it = state.iterations[t - 1];
    const sums = new Float64Array(kd);
    const counts = new Float64Array(k);
    for (let x = 0, o = (t - 1) * kd; x < kd; x++) sums[x] = it.sums[x] - dSums[o + x];
    for (let j = 0, o = (t - 1) * k; j < k; j++) counts[j] = it.counts[j] - dCounts[o + j];
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
    // The input state is consumed: its sums and counts are updated in place (only the clusters the
    // removed points passed through), so a certified deletion allocates nothing of size T·k·D.
    for (let t = 1; t <= stop; t++) {
      const it = state.iterations[t - 1];
      const sums = it.sums as Float64Array;
      const counts = it.counts as Float64Array;
      for (let j = 0, sOff = (t - 1) * kd, cOff = (t - 1) * k; j < k; j++) {
        if (dCounts[cOff + j] === 0) continue;
        counts[j] -= dCounts[cOff + j];
        for (let c = 0, x = j * D; c < D; c++, x++) sums[x] -= dSums[sOff + x];
      }
    }
    const iterations = state.iterations;
    let reps = state.representatives;
    if (lostRepresentative.size > 0) {
      const updated = [...state.representatives];
      // Only a cluster that lost its representative gets a new one: every other member kept its cluster and distance.
      const grid = gridAt(state, state.iterations.length);
      const index = membersIndex(assignments);
      for (const j of lostRepresentative) updated[j] = representativeOf(points, indicesOf(index.get(j), points), grid, state.phase, eps, j);
      reps = updated;
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

  if (opts.certifyOnly) return { state, points, certified: false, failedAt, reason };
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
function checkIteration(
  it: IterationRecord,
  dSums: Float64Array,
  sOff: number,
  dCounts: Float64Array,
  cOff: number,
  phase: Float64Array,
  eps: number,
  k: number,
  D: number,
): string | null {
  for (let j = 0; j < k; j++) {
    if (dCounts[cOff + j] === 0) continue;
    const count = it.counts[j] - dCounts[cOff + j];
    if (count <= 0) return `cluster ${j} would become empty`;
    for (let c = 0; c < D; c++) {
      const g = gridIndex(it.sums[j * D + c] - dSums[sOff + j * D + c], count, phase[c], eps);
      if (g !== it.grid[j * D + c]) return `the quantized centroid of cluster ${j} would move`;
    }
  }
  return null;
}

/** The iteration that chose `id` as a seed (0 = initial seeds, t = reseed at t), or null. No allocation. */
function seedIteration(state: QkmState, id: string): number | null {
  if (state.initSeeds.includes(id)) return 0;
  for (let t = 0; t < state.iterations.length; t++) for (const r of state.iterations[t].reseeds) if (r.id === id) return t + 1;
  return null;
}

/** Scratch buffers of the certificate check, grown on demand and reused (the engine is single-threaded per isolate). */
const scratchBuffers = { centroids: new Float64Array(0), dSums: new Float64Array(0), dCounts: new Float64Array(0) };

function scratchFor(T: number, k: number, D: number): typeof scratchBuffers {
  if (scratchBuffers.centroids.length < k * D) scratchBuffers.centroids = new Float64Array(k * D);
  if (scratchBuffers.dSums.length < T * k * D) scratchBuffers.dSums = new Float64Array(T * k * D);
  if (scratchBuffers.dCounts.length < T * k) scratchBuffers.dCounts = new Float64Array(T * k);
  return scratchBuffers;
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
