import { EmbeddingCache } from '../embed/cache';
import { embedAll } from '../embed/registry';
import type { Embedder } from '../embed/types';
import { Projection } from '../qkmeans/projection';
import { loadPoints, savePoints, type PointStoreKey } from '../storage/pointStore';
import type { WorkspacePaths } from './config';

export interface TextItem {
  readonly id: string;
  readonly input: string;
}

export type PhaseProgress = (phase: string, done: number, total: number) => void;

/**
 * The projected fixed-point vector of every given example. Vectors come from the point store when
 * present, else from the embedding cache, else from the embedder (then cached, by example id, never
 * by text). The point store is rewritten to hold exactly the given examples, so erased rows leave it.
 */
export async function projectedVectors(
  paths: WorkspacePaths,
  getEmbedder: () => Promise<Embedder>,
  key: PointStoreKey,
  items: readonly TextItem[],
  opts: { signal?: AbortSignal; onProgress?: PhaseProgress } = {},
): Promise<Map<string, Int32Array>> {
  const stored = loadPoints(paths.points, key) ?? new Map<string, Int32Array>();
  const out = new Map<string, Int32Array>();
  const missing: TextItem[] = [];
  for (const it of items) {
    const v = stored.get(it.id);
    if (v) out.set(it.id, v);
    else missing.push(it);
  }
  const changed = missing.length > 0 || stored.size !== out.size;
  if (missing.length > 0) {
    const embedder = await getEmbedder();
    if (embedder.id !== key.embedderId) throw new Error(`embedder ${embedder.id} does not match the state's ${key.embedderId}`);
    const cache = EmbeddingCache.open(paths.cacheDir, embedder.id, embedder.dimension);
    const vectors = await embedAll(embedder, cache, missing, {
      signal: opts.signal,
      onProgress: (done, total) => opts.onProgress?.('embedding', done, total),
    });
    const projection = new Projection(key.seed, embedder.dimension, key.dims);
    missing.forEach((it, i) => out.set(it.id, projection.project(vectors[i])));
  }
  if (changed) savePoints(paths.points, key, out);
  return out;
}

/** Removes erased examples' vectors from the embedding cache and the point store. */
export function forgetVectors(paths: WorkspacePaths, embedder: { id: string; dimension: number }, key: PointStoreKey, erasedIds: readonly string[]): void {
  const cache = EmbeddingCache.open(paths.cacheDir, embedder.id, embedder.dimension);
  if (cache.deleteMany(erasedIds) > 0) cache.flush();
  const stored = loadPoints(paths.points, key);
  if (stored) {
    let removed = 0;
    for (const id of erasedIds) if (stored.delete(id)) removed++;
    if (removed > 0) savePoints(paths.points, key, stored);
  }
}
