import { contentHash } from '../embed/contentHash';
import { compareIds } from '../hash';
import type { QkmState } from '../qkmeans/state';

/**
 * How the data file has drifted from the clustered state — a pure function of the two, so
 * `status`, `reconcile` and tests agree. An explicit-id example whose text changed keeps its id
 * but not its content hash: it is `edited` (the old content must be erased and audited, the new
 * one added), never silently "the same example".
 */
export interface Drift {
  /** Examples gone from the file, or with fewer copies: id → weight to remove. Excludes edited ids. */
  readonly removed: Map<string, number>;
  /** Examples new in the file, or with more copies (ascending ids). Excludes edited ids. */
  readonly added: string[];
  /** Explicit-id examples whose embedded text differs from the one the state was trained on (ascending ids). */
  readonly edited: string[];
}

interface ExamplesLike {
  readonly examples: readonly { readonly id: string; readonly input: string; readonly multiplicity: number }[];
}

const contentsCache = new WeakMap<object, Map<string, string>>();

/** Records the content hashes a data set's index already holds (so they are not computed from the text). */
export function primeDatasetContents(dataset: ExamplesLike, contents: Map<string, string>): void {
  contentsCache.set(dataset, contents);
}

/** id → contentHash of the current text, memoised per parsed data set (status is called often). */
export function datasetContents(dataset: ExamplesLike): Map<string, string> {
  let m = contentsCache.get(dataset);
  if (!m) {
    m = new Map(dataset.examples.map((e) => [e.id, contentHash(e.input)] as const));
    contentsCache.set(dataset, m);
  }
  return m;
}

export function driftOf(state: Pick<QkmState, 'assignments' | 'contents'>, dataset: ExamplesLike): Drift {
  const byId = new Map(dataset.examples.map((e) => [e.id, e] as const));
  const contents = datasetContents(dataset);
  const removed = new Map<string, number>();
  const edited: string[] = [];
  for (const [id, [, w]] of state.assignments) {
    const e = byId.get(id);
    if (!e) removed.set(id, w);
    else if (contents.get(id) !== state.contents.get(id)) edited.push(id);
    else if (e.multiplicity < w) removed.set(id, w - e.multiplicity);
  }
  const added: string[] = [];
  for (const e of dataset.examples) {
    const a = state.assignments.get(e.id);
    if (!a || (a[1] < e.multiplicity && contents.get(e.id) === state.contents.get(e.id))) added.push(e.id);
  }
  return {
    removed: new Map([...removed].sort((a, b) => compareIds(a[0], b[0]))),
    added: added.sort(compareIds),
    edited: edited.sort(compareIds),
  };
}

export function hasDrift(d: Drift): boolean {
  return d.removed.size > 0 || d.added.length > 0 || d.edited.length > 0;
}
