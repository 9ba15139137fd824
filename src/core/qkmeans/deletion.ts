import { gridIndex, gridPositions, nearestCentroid } from './grid';
import { indexOfId, withoutWeightsAt, type PointSet } from './points';
import { finishState, runLloyd, train, type TrainOptions } from './train';
import { representativeOf } from './representatives';
import { gridAt, seedIterations, type IterationRecord, type QkmState } from './state';
import { UserError } from '../errors';

export interface DeletionResult extends DeletionOutcome {
  readonly state: QkmState;
  /** The points without the removed weight (computed on first use: an O(n·D) copy the certified path itself does not need). */
  readonly points: PointSet;
}

export interface DeletionOutcome {
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
 * |removal|·log n) and copies nothing of size n (nor of size T·k·D). The input points are not
 * modified. A caller that deletes again and again should keep one DeletionEngine instead.
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

export function deleteFromState(state: QkmState, points: PointSet, removal: ReadonlyMap<string, number>, opts: DeletionOptions = {}): DeletionResult {
  const engine = new DeletionEngine(state, points);
  const { certified, failedAt, reason } = engine.delete(removal, opts);
  return {
    state: engine.state,
    get points() {
      return engine.points;
    },
    certified,
    failedAt,
    reason,
  };
}

/**
 * A Q-k-means state and the points it was trained on, kept in memory across deletions (a
 * long-lived process, the benchmark). A certified deletion costs O(T·k·D) per removed example,
 * allocates nothing in its loops (the scratch buffers are the engine's), and leaves the points
 * as they are but for a tombstone: the next check needs no rebuild. The point set without the
 * removed weights is built (O(n·D)) only when asked for, or when a deletion must retrain.
 *
 * Ownership: the engine consumes the state (updated in place); it never modifies `points`.
 */
export class DeletionEngine {
  private current: QkmState;
  /** The point set as last built; removed weights since then are in `removedAt`. */
  private base: PointSet;
  /** Index in `base` → weight removed since `base` was built (all of it: a tombstone). */
  private readonly removedAt = new Map<number, number>();
  /** Examples of `base` whose whole weight is removed. */
  private gone = 0;
  // Scratch buffers, grown on demand (see ensureScratch): the removal's indices and weights,
  // the removed sums and counts per iteration.
  private removedIdx = new Int32Array(4);
  private removedWeight = new Float64Array(4);
  // What the check needs of the current state, derived once per trained state (see derive):
  // the stored centroids' positions C^0 .. C^(T−1), and the seeds.
  private derivedFor: QkmState | null = null;
  private positions: Float64Array[] = [];
  private seeds: ReadonlyMap<string, number> = new Map();
  private dSums = new Float64Array(0);
  private dCounts = new Float64Array(0);
  /** Set by resolve: how many examples of the removal lose their whole weight. */
  private fullyRemoved = 0;
  /** Set by walk when it fails: j (cluster j would become empty) or k + j (its quantized centroid would move). */
  private problem = -1;

  constructor(state: QkmState, points: PointSet) {
    this.current = state;
    this.base = points;
  }

  get state(): QkmState {
    return this.current;
  }

  /** The points without every weight removed so far (built on first use after a deletion: O(n·D)). */
  get points(): PointSet {
    if (this.removedAt.size > 0) {
      this.base = withoutWeightsAt(this.base, this.removedAt);
      this.removedAt.clear();
      this.gone = 0;
    }
    return this.base;
  }

  /** The weight an example still has (0 when it is not in the clustered data). */
  weightOf(id: string): number {
    const i = indexOfId(this.base, id);
    return i < 0 ? 0 : this.base.weight[i] - (this.removedAt.get(i) ?? 0);
  }

  /** Deletes weights of examples (id → weight; see deleteFromState) and says whether the certificate held. */
  delete(removal: ReadonlyMap<string, number>, opts?: DeletionOptions): DeletionOutcome {
    const state = this.current;
    const m = this.resolve(removal);
    if (m === 0) return CERTIFIED;
    this.derive();
    let failedAt = Infinity;
    let reason: string | null = null;
    // k_eff = min(k, distinct examples) is a function of the data: a deletion that lowers it changes every iteration.
    if (Math.min(state.params.k, (opts?.distinct ?? this.base.ids.length) - this.gone - this.fullyRemoved) !== state.k) {
      failedAt = 0;
      reason = 'fewer distinct examples than k would remain (k_eff drops)';
    }
    for (let q = 0; q < m; q++) {
      // The iteration that chose this example as a seed (0: an initial seed, t: a reseed at t).
      const t = this.seeds.get(this.base.ids[this.removedIdx[q]]);
      if (t !== undefined && t < failedAt) {
        failedAt = t;
        reason = t === 0 ? 'an initial seed was deleted' : `an empty-cluster reseed of iteration ${t} was deleted`;
      }
    }
    const walkedTo = this.walk(m, failedAt);
    if (walkedTo < failedAt) {
      // The walk found the first iteration whose quantized centroids would change.
      const p = this.problem;
      failedAt = walkedTo;
      reason = `iteration ${walkedTo}: ${p < state.k ? `cluster ${p} would become empty` : `the quantized centroid of cluster ${p - state.k} would move`}`;
    }
    if (failedAt === Infinity) {
      this.applyCertified(m);
      return CERTIFIED;
    }
    if (opts?.certifyOnly) return { certified: false, failedAt, reason };
    return this.retrain(m, failedAt, reason, opts ?? {});
  }

  /** Resolves the removal into the scratch buffers (indices, weights clamped to what is left); returns its size. */
  private resolve(removal: ReadonlyMap<string, number>): number {
    const points = this.base;
    const state = this.current;
    this.ensureScratch(removal.size, state.iterations.length, state.k, points.dims);
    const { removedIdx, removedWeight } = this;
    let fullyRemoved = 0;
    let r = 0;
    // keys() and get(), not entries(): an entries() iterator allocates an [id, w] pair per example.
    for (const id of removal.keys()) {
      const w = removal.get(id)!;
      const i = indexOfId(points, id);
      const live = i < 0 ? 0 : points.weight[i] - (this.removedAt.get(i) ?? 0);
      if (live <= 0) throw new UserError(`no example with id ${id} in the clustered data`, 'input');
      if (!(Number.isInteger(w) && w >= 1)) throw new RangeError(`weight to remove for ${id} must be a positive integer`);
      removedIdx[r] = i;
      removedWeight[r] = w < live ? w : live;
      if (w >= live) fullyRemoved++;
      r++;
    }
    this.fullyRemoved = fullyRemoved;
    return r;
  }

  /**
   * The certificate check: walks the removed points' path through iterations 1 .. min(stop,
   * before − 1), accumulating their sums and counts per iteration into the scratch buffers.
   * Returns the first iteration whose quantized centroids would change (with its cluster in
   * `problem`), or Infinity. Plain loops over preallocated arrays: it allocates nothing.
   */
  private walk(m: number, before: number): number {
    const state = this.current;
    const { removedIdx, removedWeight, dSums, dCounts, positions } = this;
    const { real, fixed } = this.base;
    const eps = state.params.eps;
    const phase = state.phase;
    const k = state.k;
    const D = this.base.dims;
    const kd = k * D;
    const stop = state.iterations.length;
    // Only the counts are zeroed here (T·k); a cluster's block of sums (D) is zeroed when the
    // removal first reaches it, so a deletion writes O(T·D) of sums, not T·k·D. A block whose
    // count is 0 holds stale values: every reader (checkIteration, applyCertified, retrain) skips it.
    for (let x = 0, end = stop * k; x < end; x++) dCounts[x] = 0;
    for (let t = 1; t <= stop && t < before; t++) {
      const sOff = (t - 1) * kd;
      const cOff = (t - 1) * k;
      for (let q = 0; q < m; q++) {
        const i = removedIdx[q];
        const j = nearestCentroid(real, i, positions[t - 1], k, D);
        const w = removedWeight[q];
        const o = sOff + j * D;
        if (dCounts[cOff + j] === 0) for (let c = 0; c < D; c++) dSums[o + c] = 0;
        dCounts[cOff + j] += w;
        for (let c = 0, f = i * D; c < D; c++) dSums[o + c] += w * fixed[f + c];
      }
      const problem = checkIteration(state.iterations[t - 1], dSums, sOff, dCounts, cOff, phase, eps, k, D);
      if (problem >= 0) {
        this.problem = problem;
        return t;
      }
    }
    return Infinity;
  }

  /** Not certified: the removed weights join the tombstones, the point set is rebuilt once, and training resumes at `failedAt`. */
  private retrain(m: number, failedAt: number, reason: string | null, opts: TrainOptions): DeletionOutcome {
    const state = this.current;
    const { removedIdx, removedWeight, dSums, dCounts } = this;
    const k = state.k;
    const D = this.base.dims;
    const kd = k * D;
    for (let q = 0; q < m; q++) this.removedAt.set(removedIdx[q], (this.removedAt.get(removedIdx[q]) ?? 0) + removedWeight[q]);
    const rest = this.points;
    if (failedAt === 0) {
      this.current = train(rest, state.params, opts);
      return { certified: false, failedAt: 0, reason };
    }
    // Retrain from the first failing iteration: iterations before it are unchanged but for the sums,
    // which the walk left in the scratch buffers (it walked every iteration before `failedAt`).
    const prefix: IterationRecord[] = [];
    for (let t = 1; t < failedAt; t++) {
      const it = state.iterations[t - 1];
      const sums = new Float64Array(kd);
      const counts = new Float64Array(k);
      sums.set(it.sums);
      counts.set(it.counts);
      // Only the clusters the removal reached: the other blocks of dSums are stale (see walk).
      for (let j = 0, cOff = (t - 1) * k, sOff = (t - 1) * kd; j < k; j++) {
        if (dCounts[cOff + j] === 0) continue;
        counts[j] -= dCounts[cOff + j];
        for (let x = j * D, end = x + D; x < end; x++) sums[x] -= dSums[sOff + x];
      }
      prefix.push({ grid: it.grid, sums, counts, reseeds: it.reseeds });
    }
    const run = runLloyd(rest, state.params, state.phase, gridAt(state, failedAt - 1), failedAt, opts);
    this.current = finishState(rest, state.params, k, state.phase, state.initSeeds, state.initGrid, run, prefix);
    return { certified: false, failedAt, reason };
  }

  /** The certified path: subtract the removed weight along its path, in place; O(T·k·D + |removal|·log n). */
  private applyCertified(m: number): void {
    const state = this.current;
    const k = state.k;
    const D = this.base.dims;
    const stop = state.iterations.length;
    const { removedIdx, removedWeight, dSums, dCounts } = this;
    const assignments = state.assignments as Map<string, readonly [number, number]>;
    const contents = state.contents as Map<string, string>;
    let lostRepresentative: number[] | null = null;
    let total = 0;
    for (let q = 0; q < m; q++) {
      const i = removedIdx[q];
      const w = removedWeight[q];
      const id = this.base.ids[i];
      const row = assignments.get(id)!;
      const c = row[0];
      const old = row[1];
      const before = this.removedAt.get(i) ?? 0;
      this.removedAt.set(i, before + w);
      total += w;
      if (old - w > 0) assignments.set(id, [c, old - w]);
      else {
        this.gone++;
        assignments.delete(id);
        contents.delete(id);
        clusterIndex.get(assignments)?.get(c)?.delete(id);
        if (state.representatives[c] === id) (lostRepresentative ??= []).push(c);
      }
    }
    // The state is consumed: its sums and counts are updated in place (only the clusters the
    // removed points passed through), so a certified deletion allocates nothing of size T·k·D.
    const kd = k * D;
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
    // The state is consumed, so its own object is updated (not a spread copy): a copy per deletion
    // allocated, and its hidden class differed from a trained state's, so the optimised check
    // deoptimised ("wrong map") on the next engine's first deletion and ran unoptimised until
    // V8 recompiled it — the bimodal hot-check figures of issue 9.
    const mutable = state as { -readonly [K in keyof QkmState]: QkmState[K] };
    mutable.n = state.n - total;
    if (lostRepresentative !== null) {
      const updated = [...state.representatives];
      // Only a cluster that lost its representative gets a new one: every other member kept its cluster and distance.
      // The points still hold the removed examples (tombstones), but the members come from the updated assignments.
      const grid = gridAt(state, stop);
      const index = membersIndex(assignments);
      for (const j of lostRepresentative) updated[j] = representativeOf(this.base, indicesOf(index.get(j), this.base), grid, state.phase, state.params.eps, j);
      mutable.representatives = updated;
    }
  }

  /**
   * Derives what the check needs of the current state, once per trained state: the real positions
   * of the stored quantized centroids C^0 .. C^(T−1) and the seeds (id → the
   * iteration that chose it). A certified deletion changes no quantized centroid and no seed and
   * keeps the state object (applyCertified updates it in place), so only a retrain, which makes a
   * new state, makes them stale.
   */
  private derive(): void {
    const state = this.current;
    if (this.derivedFor === state) return;
    this.positions = state.iterations.map((_, t) => gridPositions(gridAt(state, t), state.phase, state.params.eps));
    this.seeds = seedIterations(state);
    this.derivedFor = state;
  }

  private ensureScratch(m: number, T: number, k: number, D: number): void {
    if (this.removedIdx.length < m) {
      this.removedIdx = new Int32Array(m);
      this.removedWeight = new Float64Array(m);
    }
    if (this.dSums.length < T * k * D) this.dSums = new Float64Array(T * k * D);
    if (this.dCounts.length < T * k) this.dCounts = new Float64Array(T * k);
  }
}

const CERTIFIED: DeletionOutcome = Object.freeze({ certified: true, failedAt: null, reason: null });

/**
 * Whether the iteration's quantized centroids would change without the removed weight: −1 when
 * none would, j when cluster j would become empty, k + j when its quantized centroid would move.
 * A number, not a message, so the check allocates nothing.
 */
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
): number {
  const sums = it.sums;
  const grid = it.grid;
  for (let j = 0; j < k; j++) {
    if (dCounts[cOff + j] === 0) continue;
    const count = it.counts[j] - dCounts[cOff + j];
    if (count <= 0) return j;
    for (let c = 0, x = j * D; c < D; c++, x++) {
      if (gridIndex(sums[x] - dSums[sOff + x], count, phase[c], eps) !== grid[x]) return k + j;
    }
  }
  return -1;
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
