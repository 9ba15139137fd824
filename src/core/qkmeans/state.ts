import { compareIds, sha256Hex } from '../hash';

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
 * The whole Q-k-means state. Its canonical serialisation is what the state hash covers: equal
 * hashes mean an incrementally updated state equals a retrain from scratch, bit for bit.
 * docs/STATE-FORMAT.md describes the hashed bytes for auditors.
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

export const STATE_FORMAT = 'erase-qkm-state/2';
/** Formats this version can recognise but not load: the state must be rebuilt (`erase cluster`). */
export const OLDER_STATE_FORMATS: readonly string[] = ['erase-qkm-state/1'];

/** A state file in a format this version does not load (older: rebuild it; unknown: newer tool or damage). */
export class StateFormatError extends Error {
  constructor(
    readonly format: string,
    readonly older: boolean,
  ) {
    super(older ? `the cluster state has the older format ${format}` : `unknown cluster state format ${JSON.stringify(format)}`);
    this.name = 'StateFormatError';
  }
}

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

/**
 * Canonical JSON: fixed field order, ids sorted, integers printed exactly; doubles (phase, ε)
 * use ECMAScript's shortest round-trip form, which the language specifies exactly. The first
 * field names the format version, so the hashed bytes say how to read them (docs/STATE-FORMAT.md).
 */
export function serializeState(state: QkmState): string {
  const ids = sortedIds(state.assignments);
  const assign = new Array<string>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const [c, w] = state.assignments.get(id)!;
    assign[i] = serializeAssignmentRow(id, c, w, state.contents.get(id) ?? '');
  }
  return serializeStateHead(state) + assign.join(',') + serializeStateTail(state);
}

/**
 * The canonical text in three parts (head, rows joined by ',', tail), so that a deletion can
 * splice the rows it changed into the stored text instead of serialising 60k rows again
 * (workspace/stateText.ts). The head ends with `"assignments":[`; the tail starts with its `]`.
 */
export function serializeStateHead(state: QkmState): string {
  const p = state.params;
  const ints = (a: ArrayLike<number>) => Array.from(a, (x) => String(x)).join(',');
  const iters = state.iterations.map(
    (it) => `{"grid":[${ints(it.grid)}],"sums":[${ints(it.sums)}],"counts":[${ints(it.counts)}],"reseeds":[${it.reseeds.map((r) => `[${r.cluster},${quote(r.id)}]`).join(',')}]}`,
  );
  return (
    `{"format":"${STATE_FORMAT}",` +
    `"params":{"k":${p.k},"eps":${JSON.stringify(p.eps)},"dims":${p.dims},"maxIter":${p.maxIter},"seed":${JSON.stringify(p.seed)},"embedderId":${JSON.stringify(p.embedderId)}},` +
    `"k":${state.k},"n":${state.n},"phase":[${Array.from(state.phase, (x) => JSON.stringify(x)).join(',')}],` +
    `"initSeeds":[${state.initSeeds.map((s) => JSON.stringify(s)).join(',')}],"initGrid":[${ints(state.initGrid)}],` +
    `"iterations":[${iters.join(',')}],"converged":${state.converged},` +
    `"assignments":[`
  );
}

/** One assignment row: [id, cluster, weight, content hash]. */
export function serializeAssignmentRow(id: string, cluster: number, weight: number, content: string): string {
  return `[${quote(id)},${cluster},${weight},${quote(content)}]`;
}

export function serializeStateTail(state: QkmState): string {
  return `],"representatives":[${state.representatives.map((r) => JSON.stringify(r)).join(',')}]}`;
}

/** Printable ASCII without '"' or '\\': JSON.stringify would add nothing but the quotes (ids and content hashes usually are). */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of a string, byte for byte, without its cost for the common plain case. */
function quote(s: string): string {
  return PLAIN_JSON_STRING.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** The ids in compareIds order; the maps are kept sorted, so this is usually one check, not a sort. */
function sortedIds(assignments: ReadonlyMap<string, unknown>): string[] {
  const ids = [...assignments.keys()];
  for (let i = 1; i < ids.length; i++) if (compareIds(ids[i - 1], ids[i]) > 0) return ids.sort(compareIds);
  return ids;
}

export function stateHash(state: QkmState): string {
  return sha256Hex(serializeState(state));
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

/** Parses a state file; throws StateFormatError for a state of another format version. */
export function deserializeState(text: string): QkmState {
  return stateOfSerialized(JSON.parse(text) as SerializedState);
}

/** The state of a parsed state text (its assignment rows may be a subset: workspace/stateText.ts). */
export function stateOfSerialized(raw: SerializedState): QkmState {
  if (raw.format !== STATE_FORMAT) throw new StateFormatError(String(raw.format), OLDER_STATE_FORMATS.includes(raw.format));
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
    ...rowsOf(raw.assignments),
    representatives: raw.representatives,
  };
}

/** The two maps of the assignment rows, in one pass. */
function rowsOf(rows: readonly [string, number, number, string][]): Pick<QkmState, 'assignments' | 'contents'> {
  const assignments = new Map<string, readonly [number, number]>();
  const contents = new Map<string, string>();
  for (const [id, c, w, h] of rows) {
    assignments.set(id, [c, w]);
    contents.set(id, h);
  }
  return { assignments, contents };
}

/** The format named by a state file's text, without loading it (null when it is not a state file at all). */
export function stateFormatOf(text: string): string | null {
  try {
    const f = (JSON.parse(text) as { format?: unknown }).format;
    return typeof f === 'string' ? f : null;
  } catch {
    return null;
  }
}
