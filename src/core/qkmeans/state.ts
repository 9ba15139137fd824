import { StateFormatError } from './stateEncoding';

export interface QkmParams {
  readonly k: number;
  readonly eps: number;
  readonly dims: number;
  readonly maxIter: number;
  readonly seed: string;
  readonly embedderId: string;
}

/** What one Lloyd iteration t left behind: the quantized centroids C^t and the exact sums behind them. */
export interface IterationRecord {
  readonly grid: Int32Array; // k × D grid indices of C^t
  readonly sums: Float64Array; // k × D exact fixed-point sums of the points assigned at t
  readonly counts: Float64Array; // k, total weight assigned at t
  readonly reseeds: readonly Reseed[]; // empty clusters reseeded at t, ascending cluster index
}

export interface Reseed {
  readonly cluster: number;
  readonly id: string;
}

/**
 * The whole Q-k-means state. Its canonical encoding (stateEncoding.ts) is what the state hash
 * covers: equal hashes mean an incrementally updated state equals a retrain from scratch, bit for
 * bit. docs/STATE-FORMAT.md describes the hashed bytes for auditors.
 */
export interface QkmState {
  readonly params: QkmParams;
  /** Effective k = min(params.k, distinct examples): a function of the data alone (0 for an empty data set). */
  readonly k: number;
  readonly phase: Float64Array; // D, in [0, 1)
  readonly initSeeds: readonly string[]; // k ids, in the order the race chose them
  readonly initGrid: Int32Array; // C^0
  readonly iterations: readonly IterationRecord[]; // t = 1 .. stopIteration
  readonly converged: boolean;
  readonly n: number; // total weight
  /** Final assignment (at the stop iteration): id → [cluster, weight], kept sorted by id. */
  readonly assignments: ReadonlyMap<string, readonly [number, number]>;
  /** id → SHA-256 (hex) of the embedded text the example was trained on (its vector's identity). */
  readonly contents: ReadonlyMap<string, string>;
  /** Per cluster, the member nearest its final quantized centroid (ties: lowest id): the dataset-level prompt. */
  readonly representatives: readonly (string | null)[];
}

export { STATE_FORMAT, StateFormatError, stateHash } from './stateEncoding';
/** The single-text format of the previous version (`.erase/state.json`): still read, and converted on the next locked command. */
export const LEGACY_TEXT_FORMAT = 'erase-qkm-state/2';
/** Formats this version can recognise but not load: the state must be rebuilt (`erase cluster`). */
export const OLDER_STATE_FORMATS: readonly string[] = ['erase-qkm-state/1'];

export function stopIteration(state: QkmState): number {
  return state.iterations.length;
}

/** Quantized centroids after iteration t (t = 0 is the seeds). */
export function gridAt(state: QkmState, t: number): Int32Array {
  return t === 0 ? state.initGrid : state.iterations[t - 1].grid;
}

export function finalGrid(state: QkmState): Int32Array {
  return gridAt(state, state.iterations.length);
}

/** All seed ids: the initial ones and every empty-cluster reseed, with the iteration that chose them. */
export function seedIterations(state: QkmState): Map<string, number> {
  const out = new Map<string, number>();
  state.initSeeds.forEach((id) => out.set(id, 0));
  state.iterations.forEach((it, i) =>
    it.reseeds.forEach((r) => {
      if (!out.has(r.id)) out.set(r.id, i + 1);
    }),
  );
  return out;
}

export interface SerializedState {
  format: string;
  params: QkmParams;
  k: number;
  n: number;
  phase: number[];
  initSeeds: string[];
  initGrid: number[];
  iterations: { grid: number[]; sums: number[]; counts: number[]; reseeds: [number, string][] }[];
  converged: boolean;
  assignments: [string, number, number, string][];
  representatives: (string | null)[];
}

/**
 * Parses a state text of the previous format (`erase-qkm-state/2`, one canonical JSON text in
 * `.erase/state.json`, docs/STATE-FORMAT.md "Older formats"); throws StateFormatError for any other format.
 */
export function deserializeLegacyState(text: string): QkmState {
  const raw = JSON.parse(text) as SerializedState;
  if (raw.format !== LEGACY_TEXT_FORMAT) throw new StateFormatError(String(raw.format), OLDER_STATE_FORMATS.includes(raw.format));
  return { ...stateHeadOf(raw), ...rowsOf(raw.assignments) };
}

/** Everything but the rows, from its stored shape (numbers as JSON arrays): the head of both formats. */
export function stateHeadOf(raw: Omit<SerializedState, 'format' | 'assignments'>): Omit<QkmState, 'assignments' | 'contents'> {
  return {
    params: raw.params,
    k: raw.k,
    n: raw.n,
    phase: Float64Array.from(raw.phase),
    initSeeds: raw.initSeeds,
    initGrid: Int32Array.from(raw.initGrid),
    iterations: raw.iterations.map((it) => ({
      grid: Int32Array.from(it.grid),
      sums: Float64Array.from(it.sums),
      counts: Float64Array.from(it.counts),
      reseeds: it.reseeds.map(([cluster, id]) => ({ cluster, id })),
    })),
    converged: raw.converged,
    representatives: raw.representatives,
  };
}

/** The two maps of the assignment rows (id, cluster, weight, content hash), in one pass. */
export function rowsOf(rows: Iterable<readonly [string, number, number, string]>): Pick<QkmState, 'assignments' | 'contents'> {
  const assignments = new Map<string, readonly [number, number]>();
  const contents = new Map<string, string>();
  for (const [id, c, w, h] of rows) {
    assignments.set(id, [c, w]);
    contents.set(id, h);
  }
  return { assignments, contents };
}
