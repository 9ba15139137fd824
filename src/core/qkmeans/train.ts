import { keyedUniform, negLn, sha512Of, uniformAt } from './keyedRandom';
import { checkGridRange, gridIndex, gridPositions, MIN_EPS, MIN_EPS_TEXT, nearestCentroid } from './grid';
import { allRepresentatives } from './representatives';
import type { PointSet } from './points';
import type { IterationRecord, QkmParams, QkmState, Reseed } from './state';
import { UserError, throwIfAborted } from '../errors';

export interface TrainOptions {
  readonly signal?: AbortSignal;
  /** Called after each Lloyd iteration with the iteration number and the maximum. */
  readonly onIteration?: (t: number, maxIter: number) => void;
}

export function validateParams(p: QkmParams): void {
  if (!Number.isInteger(p.k) || p.k < 1) throw new UserError(`k must be a positive integer (got ${p.k})`, 'usage');
  if (!(p.eps > 0 && Number.isFinite(p.eps))) throw new UserError(`eps must be a positive number (got ${p.eps})`, 'usage');
  if (p.eps < MIN_EPS) throw new UserError(`eps must be at least ${MIN_EPS_TEXT} (got ${p.eps}): a smaller grid side would overflow the 32-bit grid indices`, 'usage');
  if (!Number.isInteger(p.dims) || p.dims < 1 || p.dims > 4096) throw new UserError(`dims must be an integer in 1..4096 (got ${p.dims})`, 'usage');
  if (!Number.isInteger(p.maxIter) || p.maxIter < 1) throw new UserError(`maxIter must be a positive integer (got ${p.maxIter})`, 'usage');
}

/** The per-run grid phase in [0,1)^D, drawn from the seed alone (one phase per training run). */
export function phaseFor(seed: string, D: number): Float64Array {
  const phase = new Float64Array(D);
  for (let c = 0; c < D; c++) phase[c] = keyedUniform(seed, 'phase', String(c)) - 0; // (0,1) ⊂ [0,1)
  return phase;
}

/**
 * −ln u(id, j) for the k initial race rounds: eight 52-bit uniforms per SHA-512 block of
 * (seed, block, id) — a keyed hash of the seed and this id alone, one hash per point for k ≤ 8.
 */
function initRaceExponentials(seed: string, ids: readonly string[], k: number): Float64Array {
  const n = ids.length;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let block = 0; block * 8 < k; block++) {
      const h = sha512Of(`erase-init\0${seed}\0${block}\0${ids[i]}`);
      for (let q = 0; q < 8 && block * 8 + q < k; q++) out[i * k + block * 8 + q] = negLn(uniformAt(h, q * 8));
    }
  }
  return out;
}

function quantizePoint(points: PointSet, i: number, phase: Float64Array, eps: number, out: Int32Array, j: number): void {
  const D = points.dims;
  for (let c = 0; c < D; c++) out[j * D + c] = gridIndex(points.fixed[i * D + c], 1, phase[c], eps);
}

/**
 * k-means++ seeding by exponential race: seed 1 = argmin −ln u(id,1)/w, seed j = argmin
 * −ln u(id,j)/(w·dist²) with dist to the nearest seed so far. Deleting an example that is not a
 * seed leaves every argmin unchanged. Ties: lowest id (the points are sorted, comparison strict).
 */
export function chooseInitialSeeds(points: PointSet, params: QkmParams, k: number = effectiveK(params, points)): number[] {
  const { seed } = params;
  const n = points.ids.length;
  const D = points.dims;
  if (k > n) throw new RangeError(`cannot choose ${k} seeds among ${n} examples`);
  const E = initRaceExponentials(seed, points.ids, k);
  const chosen = new Uint8Array(n);
  const minD2 = new Float64Array(n).fill(Infinity);
  const seeds: number[] = [];
  for (let j = 0; j < k; j++) {
    let best = -1;
    let bestScore = Infinity;
    for (let i = 0; i < n; i++) {
      if (chosen[i]) continue;
      const score = j === 0 ? E[i * k] / points.weight[i] : minD2[i] > 0 ? E[i * k + j] / (points.weight[i] * minD2[i]) : Infinity;
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best < 0) {
      // Every remaining example sits on a chosen seed: fall back to the unweighted race.
      for (let i = 0; i < n; i++) {
        if (chosen[i]) continue;
        const score = E[i * k + j] / points.weight[i];
        if (best < 0 || score < bestScore) {
          bestScore = score;
          best = i;
        }
      }
    }
    chosen[best] = 1;
    seeds.push(best);
    const f = points.fixed;
    for (let i = 0, base = 0, sb = best * D; i < n; i++, base += D) {
      let d = 0;
      for (let c = 0; c < D; c++) {
        const x = f[base + c] - f[sb + c];
        d += x * x; // integers below 2^53: exact
      }
      if (d < minD2[i]) minD2[i] = d;
    }
  }
  return seeds;
}

export interface LloydResult {
  readonly iterations: IterationRecord[];
  readonly converged: boolean;
  readonly assignment: Int32Array; // per point, at the stop iteration
}

/**
 * Lloyd iterations startT..maxIter from the quantized centroids C^{startT−1} (`prevGrid`):
 * assign to the nearest quantized centroid, exact integer sums, quantize the means, reseed
 * empty clusters by a keyed race, stop when the quantized centroids repeat.
 */
export function runLloyd(points: PointSet, params: QkmParams, phase: Float64Array, prevGridIn: Int32Array, startT: number, opts: TrainOptions = {}): LloydResult {
  const { eps, maxIter } = params;
  const D = points.dims;
  const k = prevGridIn.length / D; // the effective k
  const n = points.ids.length;
  const assignment = new Int32Array(n);
  const iterations: IterationRecord[] = [];
  let prevGrid = prevGridIn;
  let converged = false;
  for (let t = startT; t <= maxIter; t++) {
    throwIfAborted(opts.signal);
    const centroids = gridPositions(prevGrid, phase, eps);
    const sums = new Float64Array(k * D);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const j = nearestCentroid(points.real, i, centroids, k, D);
      assignment[i] = j;
      const w = points.weight[i];
      counts[j] += w;
      for (let c = 0; c < D; c++) sums[j * D + c] += w * points.fixed[i * D + c];
    }
    const grid = new Int32Array(k * D);
    const active = new Uint8Array(k);
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) continue;
      active[j] = 1;
      for (let c = 0; c < D; c++) grid[j * D + c] = gridIndex(sums[j * D + c], counts[j], phase[c], eps);
    }
    const reseeds: Reseed[] = [];
    for (let j = 0; j < k; j++) {
      if (active[j]) continue;
      const winner = reseedRace(points, params, phase, grid, active, `reseed:${t}:${j}`);
      quantizePoint(points, winner, phase, eps, grid, j);
      active[j] = 1;
      reseeds.push({ cluster: j, id: points.ids[winner] });
    }
    iterations.push({ grid, sums, counts, reseeds });
    opts.onIteration?.(t, maxIter);
    if (sameGrid(grid, prevGrid)) {
      converged = true;
      break;
    }
    prevGrid = grid;
  }
  return { iterations, converged, assignment };
}

/** Empty-cluster reseed: argmin −ln u(id, tag) / (w · dist² to the nearest active quantized centroid). */
function reseedRace(points: PointSet, params: QkmParams, phase: Float64Array, grid: Int32Array, active: Uint8Array, tag: string): number {
  const { eps, seed } = params;
  const D = points.dims;
  const k = active.length;
  const n = points.ids.length;
  const pos = gridPositions(grid, phase, eps);
  let best = -1;
  let bestScore = Infinity;
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let d2 = Infinity;
    for (let j = 0; j < k; j++) {
      if (!active[j]) continue;
      let d = 0;
      for (let c = 0; c < D; c++) {
        const diff = points.real[i * D + c] - pos[j * D + c];
        d += diff * diff;
      }
      if (d < d2) d2 = d;
    }
    const e = negLn(keyedUniform(seed, tag, points.ids[i]));
    scores[i] = e / points.weight[i];
    const score = d2 > 0 ? e / (points.weight[i] * d2) : Infinity;
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  }
  if (best < 0) {
    for (let i = 0; i < n; i++)
      if (best < 0 || scores[i] < bestScore) {
        bestScore = scores[i];
        best = i;
      }
  }
  return best;
}

function sameGrid(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function assignmentMap(points: PointSet, assignment: Int32Array): Map<string, readonly [number, number]> {
  const m = new Map<string, readonly [number, number]>();
  for (let i = 0; i < points.ids.length; i++) m.set(points.ids[i], [assignment[i], points.weight[i]]);
  return m;
}

export function totalWeight(points: PointSet): number {
  let n = 0;
  for (let i = 0; i < points.weight.length; i++) n += points.weight[i];
  return n;
}

/** k_eff = min(k, number of distinct examples): a function of the data alone (ALGORITHMS.md §3). */
export function effectiveK(params: QkmParams, points: PointSet): number {
  return Math.min(params.k, points.ids.length);
}

/** Rejects data whose coordinates are so far from the origin that ε's grid indices would overflow Int32. */
export function checkPointsInGridRange(points: PointSet, eps: number): void {
  let maxAbs = 0;
  for (let i = 0; i < points.fixed.length; i++) {
    const a = Math.abs(points.fixed[i]);
    if (a > maxAbs) maxAbs = a;
  }
  try {
    checkGridRange(maxAbs, eps);
  } catch (e) {
    throw new UserError(`eps ${eps} is too small for this data set: ${(e as Error).message.replace(/^grid indices/, 'its grid indices')}; choose a larger eps`, 'usage');
  }
}

/** Trains Q-k-means from scratch. An empty point set gives the empty state (k_eff = 0, empty prompt). */
export function train(points: PointSet, params: QkmParams, opts: TrainOptions = {}): QkmState {
  validateParams(params);
  if (points.dims !== params.dims) throw new Error(`points have ${points.dims} dimensions, params say ${params.dims}`);
  checkPointsInGridRange(points, params.eps);
  const phase = phaseFor(params.seed, params.dims);
  const k = effectiveK(params, points);
  const seedIdx = chooseInitialSeeds(points, params, k);
  const initGrid = new Int32Array(k * params.dims);
  seedIdx.forEach((i, j) => quantizePoint(points, i, phase, params.eps, initGrid, j));
  const run: LloydResult = k === 0 ? { iterations: [], converged: true, assignment: new Int32Array(0) } : runLloyd(points, params, phase, initGrid, 1, opts);
  return finishState(
    points,
    params,
    k,
    phase,
    seedIdx.map((i) => points.ids[i]),
    initGrid,
    run,
  );
}

/** The state of a finished run: final assignments, content hashes and representatives from the points. */
export function finishState(
  points: PointSet,
  params: QkmParams,
  k: number,
  phase: Float64Array,
  initSeeds: readonly string[],
  initGrid: Int32Array,
  run: LloydResult,
  prefix: readonly IterationRecord[] = [],
): QkmState {
  const iterations = [...prefix, ...run.iterations];
  const grid = iterations.length === 0 ? initGrid : iterations[iterations.length - 1].grid;
  return {
    params,
    k,
    phase,
    initSeeds,
    initGrid,
    iterations,
    converged: run.converged,
    n: totalWeight(points),
    assignments: assignmentMap(points, run.assignment),
    contents: new Map(points.ids.map((id, i) => [id, points.contents[i]] as const)),
    representatives: allRepresentatives(points, (i) => run.assignment[i], grid, phase, params.eps, k),
  };
}
