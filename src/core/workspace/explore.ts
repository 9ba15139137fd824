/**
 * Understanding the data at a glance: described clusters, search, near-duplicates, outliers and
 * exporting a selection. Read-only views of a workspace: nothing here writes the state or logs
 * example text; only exportSelection writes, and only the file the user named.
 */
import { readFileSync, realpathSync, existsSync } from 'node:fs';
import type { Example } from '../dataset/types';
import { splitByteLines } from '../dataset/lines';
import { UserError } from '../errors';
import { compareIds } from '../hash';
import { FIXED_ONE } from '../fixedpoint';
import type { PointSet } from '../qkmeans/points';
import { clusterKeywords } from '../explore/keywords';
import { clusterOutliers, isolatedExamples, type IsolatedExample } from '../explore/isolation';
import { nearDuplicateGroups, neighboursWithin, type Buckets, type NearDuplicateGroup, type Neighbour } from '../explore/nearDuplicates';
import { writeFileAtomic } from '../storage/atomicWrite';
import { findMatches } from './matching';
import { loadState } from './persisted';
import { gridPositions } from '../qkmeans/grid';
import { finalGrid, type QkmState } from '../qkmeans/state';
import type { EraseWorkspace, WorkOptions } from './workspace';

export interface ClusterDescription {
  readonly index: number;
  /** Rows in the cluster (multiplicities counted). */
  readonly size: number;
  /** Rows per label; examples without a label are not counted. Keys in ascending order. */
  readonly labels: Readonly<Record<string, number>>;
  readonly keywords: readonly string[];
  /** The cluster's representative (from the hashed state), or none for an empty cluster. */
  readonly representatives: readonly string[];
  /** Members farthest from the quantized centroid (ties: lowest id). */
  readonly outliers: readonly string[];
}

export interface DescribeOptions extends WorkOptions {
  readonly keywords?: number;
  readonly outliers?: number;
}

export async function describeClusters(ws: EraseWorkspace, opts: DescribeOptions = {}): Promise<ClusterDescription[]> {
  const outlierCount = opts.outliers ?? 3;
  // Without outliers no vector is needed: the tree's labels never wake an embedder.
  const model = outlierCount > 0 ? await ws.loadModel(opts) : null;
  const loaded = model ?? loadState(ws.paths);
  if (!loaded) throw new UserError('the data set is not clustered yet', 'usage', 'cluster');
  const { state } = loaded;
  const byId = new Map(ws.loadDataset().examples.map((e) => [e.id, e] as const));
  const size = new Array<number>(state.k).fill(0);
  const labels: Map<string, number>[] = Array.from({ length: state.k }, () => new Map());
  const docs: { cluster: number; text: string; weight: number }[] = [];
  for (const [id, [c, w]] of state.assignments) {
    size[c] += w;
    const e = byId.get(id);
    if (!e) continue;
    docs.push({ cluster: c, text: e.input, weight: w });
    if (e.label !== undefined) labels[c].set(e.label, (labels[c].get(e.label) ?? 0) + w);
  }
  const keywords = clusterKeywords(docs, state.k, opts.keywords ?? 5);
  const outliers = model ? clusterOutliers(state, model.points, outlierCount) : state.representatives.map(() => []);
  return Array.from({ length: state.k }, (_, j) => ({
    index: j,
    size: size[j],
    labels: Object.fromEntries([...labels[j]].sort((a, b) => compareIds(a[0], b[0]))),
    keywords: keywords[j],
    representatives: state.representatives[j] === null ? [] : [state.representatives[j]!],
    outliers: outliers[j],
  }));
}

export interface SearchHit {
  readonly id: string;
  readonly lines: readonly number[];
  /** --near only: Euclidean distance in the projected space (smaller is nearer). */
  readonly distance?: number;
}

export type SearchQuery =
  | { readonly kind: 'text'; readonly text: string; readonly ignoreCase?: boolean }
  | { readonly kind: 'regex'; readonly pattern: string; readonly ignoreCase?: boolean }
  | { readonly kind: 'near'; readonly text: string };

/** Examples whose text matches (substring or RE2 pattern, in file order) or the nearest by meaning to a text (nearest first, ties by id). */
export async function searchExamples(ws: EraseWorkspace, query: SearchQuery, limit: number, opts: WorkOptions = {}): Promise<SearchHit[]> {
  if (query.kind !== 'near') {
    const examples = ws.loadDataset().examples;
    const found =
      query.kind === 'text'
        ? findMatches(examples, { text: query.text, ignoreCase: query.ignoreCase })
        : findMatches(examples, { regex: query.pattern, ignoreCase: query.ignoreCase });
    return found.slice(0, limit).map((e) => ({ id: e.id, lines: e.lines }));
  }
  if (query.text.trim() === '') throw new UserError('--near needs a non-empty text', 'usage');
  const model = await ws.loadModel(opts);
  const q = await ws.projectText(model.state, query.text, opts);
  const byId = new Map(model.dataset.examples.map((e) => [e.id, e] as const));
  return nearestPoints(model.points, q, limit).map((h) => ({ id: h.id, lines: byId.get(h.id)?.lines ?? [], distance: h.distance }));
}

/** The `limit` points nearest a projected fixed-point vector (ties: lowest id). */
export function nearestPoints(points: PointSet, query: ArrayLike<number>, limit: number): { id: string; distance: number }[] {
  const D = points.dims;
  const scored = points.ids.map((id, i) => {
    let d = 0;
    for (let c = 0; c < D; c++) {
      const x = points.real[i * D + c] - query[c] / FIXED_ONE;
      d += x * x;
    }
    return { id, distance: Math.sqrt(d) };
  });
  scored.sort((a, b) => a.distance - b.distance || compareIds(a.id, b.id));
  return scored.slice(0, limit);
}

/**
 * Default near-duplicate threshold, in projected units. On 3,000 SST-2 rows with the hashing embedder
 * (16 dims) it finds 21 groups, every one a phrase and the same phrase give or take a word or a comma,
 * while the median distance to the nearest other example is 0.65. Another embedder may want another value.
 */
export const DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.2;

/** The state's final quantized centroids, which near-duplicate searches bucket by. */
function bucketsOf(state: QkmState): Buckets {
  return { centroids: gridPositions(finalGrid(state), state.phase, state.params.eps), k: state.k };
}

export async function findNearDuplicates(ws: EraseWorkspace, threshold = DEFAULT_NEAR_DUPLICATE_THRESHOLD, opts: WorkOptions = {}): Promise<NearDuplicateGroup[]> {
  const { state, points } = await ws.loadModel(opts);
  return nearDuplicateGroups(points, threshold, bucketsOf(state));
}

/** The workspace's examples within `threshold` of the given projected vectors (m × dims, e.g. of examples erased since), by the same rule as findNearDuplicates. */
export async function findNeighboursOf(ws: EraseWorkspace, vectors: Float64Array, threshold = DEFAULT_NEAR_DUPLICATE_THRESHOLD, opts: WorkOptions = {}): Promise<Neighbour[]> {
  const { state, points } = await ws.loadModel(opts);
  return neighboursWithin(points, vectors, threshold, bucketsOf(state));
}

export async function findOutliers(ws: EraseWorkspace, limit: number, opts: WorkOptions = {}): Promise<IsolatedExample[]> {
  const model = await ws.loadModel(opts);
  return isolatedExamples(model.state, model.points, limit);
}

export type ExportSelector =
  | { readonly kind: 'ids'; readonly ids: readonly string[] }
  | { readonly kind: 'cluster'; readonly cluster: number }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'regex'; readonly pattern: string };

/** The examples a selector picks, in file order. Unknown ids and an empty selection are errors. */
export function selectForExport(ws: EraseWorkspace, selector: ExportSelector): Example[] {
  const examples = ws.loadDataset().examples;
  switch (selector.kind) {
    case 'ids': {
      const known = new Set(examples.map((e) => e.id));
      const unknown = selector.ids.filter((id) => !known.has(id));
      if (unknown.length) throw new UserError(`${unknown.length} of the ids are not in the data set (first: ${JSON.stringify(unknown[0])})`, 'input');
      const want = new Set(selector.ids);
      return examples.filter((e) => want.has(e.id));
    }
    case 'cluster': {
      const cluster = ws.examples().filter((e) => e.cluster === selector.cluster);
      if (cluster.length === 0) throw new UserError(`cluster ${selector.cluster} has no examples (see \`erase describe\`)`, 'input');
      const want = new Set(cluster.map((e) => e.id));
      return examples.filter((e) => want.has(e.id));
    }
    case 'text':
      return findMatches(examples, { text: selector.text });
    case 'regex':
      return findMatches(examples, { regex: selector.pattern });
  }
}

/**
 * Writes the selected examples to `out` as the data file has them: each example's original line
 * bytes (every line of a duplicated one), in file order, copied byte for byte — nothing is parsed
 * and serialised again. Refuses to overwrite the data file itself.
 */
export function exportSelection(ws: EraseWorkspace, selector: ExportSelector, out: string): { examples: number; lines: number; bytes: number } {
  const dataFile = ws.dataFile;
  // The same file under another name (a symlink, a relative path) is the same file.
  const same = existsSync(out) && realpathSync(out) === realpathSync(dataFile);
  if (same) throw new UserError('--out is the data file itself: give another file', 'usage');
  const selected = selectForExport(ws, selector);
  if (selected.length === 0) throw new UserError('no example matches; nothing was exported', 'input');
  const bytes = readFileSync(dataFile);
  const { lines } = splitByteLines(bytes);
  const wanted = selected.flatMap((e) => e.lines).sort((a, b) => a - b);
  const parts: Buffer[] = [];
  for (const n of wanted) {
    const span = lines[n - 1];
    parts.push(bytes.subarray(span.start, span.next));
    if (span.next === span.end) parts.push(Buffer.from('\n')); // the file's last line had no newline
  }
  const body = Buffer.concat(parts);
  writeFileAtomic(out, body);
  return { examples: selected.length, lines: wanted.length, bytes: body.length };
}

/** "positive 70% / negative 30%": a cluster's label mix, largest share first (ties: label ascending). */
export function labelMix(labels: Readonly<Record<string, number>>): string {
  const entries = Object.entries(labels).sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0]));
  const total = entries.reduce((s, [, n]) => s + n, 0);
  return entries.map(([l, n]) => `${l} ${Math.round((100 * n) / total)}%`).join(' / ');
}
