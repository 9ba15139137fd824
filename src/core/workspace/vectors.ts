import { EmbeddingCache } from '../embed/cache';
import { contentHash } from '../embed/contentHash';
import { HashingEmbedder } from '../embed/hashing';
import { embedHashingOnWorkers, embedsOnWorkers } from '../embed/hashingOnWorkers';
import { embedAll } from '../embed/registry';
import type { Embedder } from '../embed/types';
import { UserError } from '../errors';
import { toFixed } from '../fixedpoint';
import { Projection } from '../qkmeans/projection';
import { loadPoints, putPoints, releasePoints, retainPoints, type PointStoreKey } from '../storage/pointStore';
import type { WorkspacePaths } from './config';

/**
 * Vectors belong to contents, not to ids (ALGORITHMS.md §3 "Vector identity"): the embedding
 * cache and the point store are keyed by (embedder id, contentHash of the embedded text). An
 * example id only selects which content's vector to use.
 */
export interface VectorItem {
  readonly id: string;
  /** contentHash of the text the vector must come from. */
  readonly content: string;
  /** The text itself, when it is still available (then contentHash(input) === content); a function is called only if the vector must be computed. */
  readonly input?: string | (() => string);
}

export type PhaseProgress = (phase: string, done: number, total: number) => void;

/** Vector items for examples read from the data file: the content is the hash of their current text. */
export function itemsOf(examples: readonly { readonly id: string; readonly input: string }[]): VectorItem[] {
  return examples.map((e) => ({ id: e.id, content: contentHash(e.input), input: e.input }));
}

/** True for an embedder cheap enough that `verify` recomputes every vector from the text (no cache trusted). */
export function isCheapEmbedder(embedderId: string): boolean {
  return embedderId.startsWith('hashing-');
}

/**
 * The projected fixed-point vector of every given item, by id. A vector comes from the point store
 * when its content is there, else from the embedding cache, else from the embedder (then cached by
 * content). An item without text whose content is stored nowhere cannot be recomputed: a clear
 * error. Nothing is removed here (pruneVectors does that, inside each transaction).
 */
export async function projectedVectors(
  paths: WorkspacePaths,
  getEmbedder: () => Promise<Embedder>,
  key: PointStoreKey,
  items: readonly VectorItem[],
  opts: { signal?: AbortSignal; onProgress?: PhaseProgress } = {},
): Promise<Map<string, Int32Array>> {
  const stored = loadPoints(paths.points, key) ?? new Map<string, Int32Array>();
  const missing = new Map<string, string>(); // content → text
  let lost = 0;
  for (const it of items) {
    if (stored.has(it.content) || missing.has(it.content)) continue;
    if (it.input === undefined) lost++;
    else missing.set(it.content, typeof it.input === 'function' ? it.input() : it.input);
  }
  if (lost > 0) {
    throw new UserError(`${lost} examples were removed or edited by hand and the vectors of their old text are no longer stored`, 'check', 'reconcile');
  }
  if (missing.size > 0) {
    const embedder = await getEmbedder();
    if (embedder.id !== key.embedderId) throw new Error(`embedder ${embedder.id} does not match the state's ${key.embedderId}`);
    const cache = EmbeddingCache.open(paths.cacheDir, embedder.id, embedder.dimension);
    let added = await projectedOnWorkers(embedder, cache, key, missing, opts);
    if (!added) {
      const texts = [...missing.values()].map((input) => ({ input }));
      const vectors = await embedAll(embedder, cache, texts, {
        signal: opts.signal,
        onProgress: (done, total) => opts.onProgress?.('embedding', done, total),
      });
      const projection = new Projection(key.seed, embedder.dimension, key.dims);
      added = new Map([...missing.keys()].map((content, i) => [content, projection.project(vectors[i])] as const));
    }
    putPoints(paths.points, key, added);
    for (const [content, v] of added) stored.set(content, v);
  }
  return new Map(items.map((it) => [it.id, stored.get(it.content)!] as const));
}

/**
 * The missing contents embedded and projected on worker threads, when the embedder is the hashing
 * one and the batch is big enough (hashingOnWorkers.ts); undefined otherwise. Contents already in
 * the embedding cache are projected from it; the new full vectors go into the cache, as embedAll does.
 */
async function projectedOnWorkers(
  embedder: Embedder,
  cache: EmbeddingCache,
  key: PointStoreKey,
  missing: ReadonlyMap<string, string>,
  opts: { signal?: AbortSignal; onProgress?: PhaseProgress },
): Promise<Map<string, Int32Array> | undefined> {
  if (!(embedder instanceof HashingEmbedder) || !embedsOnWorkers(missing.size)) return undefined;
  const contents = [...missing.keys()];
  const cached = cache.getMany(contents);
  const toEmbed = contents.filter((_, i) => cached[i] === undefined);
  const done = contents.length - toEmbed.length;
  const onWorkers = await embedHashingOnWorkers(
    toEmbed.map((c) => missing.get(c)!),
    { dimension: embedder.dimension, keepFull: true, projection: { seed: key.seed, dims: key.dims } },
    { signal: opts.signal, onProgress: (n) => opts.onProgress?.('embedding', done + n, contents.length) },
  );
  if (!onWorkers) return undefined;
  cache.adoptMany(toEmbed.map((c, i) => [c, onWorkers.full![i]] as const));
  cache.flush();
  const projection = new Projection(key.seed, embedder.dimension, key.dims);
  const out = new Map<string, Int32Array>();
  contents.forEach((c, i) => cached[i] && out.set(c, projection.project(cached[i])));
  toEmbed.forEach((c, i) => out.set(c, onWorkers.projected![i]));
  return out;
}

/**
 * Vectors recomputed from the data file's text, for `verify`: the hashing embedder re-embeds every
 * text (cheap; no cache is trusted); a slow embedder accepts a cached vector only under the content
 * hash of the current text — never because an id matches — and embeds the rest.
 */
export async function scratchVectors(
  paths: WorkspacePaths,
  getEmbedder: () => Promise<Embedder>,
  key: PointStoreKey,
  examples: readonly { readonly id: string; readonly input: string }[],
  opts: { signal?: AbortSignal; onProgress?: PhaseProgress } = {},
): Promise<Map<string, Int32Array>> {
  if (!isCheapEmbedder(key.embedderId)) return projectedVectors(paths, getEmbedder, key, itemsOf(examples), opts);
  const embedder = await getEmbedder();
  if (embedder.id !== key.embedderId) throw new Error(`embedder ${embedder.id} does not match the state's ${key.embedderId}`);
  if (embedder instanceof HashingEmbedder) {
    const onWorkers = await embedHashingOnWorkers(
      examples.map((e) => e.input),
      { dimension: embedder.dimension, keepFull: false, projection: { seed: key.seed, dims: key.dims } },
      { signal: opts.signal, onProgress: (done, total) => opts.onProgress?.('embedding', done, total) },
    );
    if (onWorkers) return new Map(examples.map((e, i) => [e.id, onWorkers.projected![i]] as const));
  }
  const projection = new Projection(key.seed, embedder.dimension, key.dims);
  const out = new Map<string, Int32Array>();
  const batch = 256;
  for (let i = 0; i < examples.length; i += batch) {
    const part = examples.slice(i, i + batch);
    const vectors = await embedder.embed(
      part.map((e) => e.input),
      opts.signal,
    );
    part.forEach((e, j) => out.set(e.id, projection.project(toFixed(vectors[j]))));
    opts.onProgress?.('embedding', Math.min(i + batch, examples.length), examples.length);
  }
  return out;
}

/**
 * The contents still needed, each with its reference count: how many example ids use it, in the
 * state or in the data file (an id whose text was edited by hand counts for both its contents).
 */
export function contentCounts(
  state: { readonly contents: ReadonlyMap<string, string> } | null,
  examples: readonly { readonly id: string; readonly input: string }[],
): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (c: string) => counts.set(c, (counts.get(c) ?? 0) + 1);
  if (state) for (const c of state.contents.values()) add(c);
  for (const e of examples) {
    const c = contentHash(e.input);
    if (state?.contents.get(e.id) !== c) add(c);
  }
  return counts;
}

/**
 * Keeps only the vectors of the contents `counts` names in the embedding cache and the point
 * store: every other slot is zeroed in place (nothing else is rewritten). Idempotent.
 */
export function pruneVectors(paths: WorkspacePaths, embedder: { id: string; dimension: number }, key: PointStoreKey, counts: ReadonlyMap<string, number>): void {
  EmbeddingCache.open(paths.cacheDir, embedder.id, embedder.dimension).retain(counts);
  retainPoints(paths.points, key, counts);
}

/**
 * The targeted prune of a certified erasure: each content's reference count drops by the number
 * given, and a content left with none is zeroed in place in both stores. Only for a transaction
 * applied once from its plan (recovery runs pruneVectors, which is idempotent).
 */
export function releaseVectors(paths: WorkspacePaths, embedder: { id: string; dimension: number }, key: PointStoreKey, released: ReadonlyMap<string, number>): void {
  EmbeddingCache.releaseIn(paths.cacheDir, embedder.id, embedder.dimension, released);
  releasePoints(paths.points, key, released);
}
