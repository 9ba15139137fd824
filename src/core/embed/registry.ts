import { isAbsolute, resolve } from 'node:path';
import { toFixed } from '../fixedpoint';
import { UserError, throwIfAborted } from '../errors';
import type { EmbeddingCache } from './cache';
import { contentHash } from './contentHash';
import { HashingEmbedder } from './hashing';
import { OllamaEmbedder } from './ollamaEmbedder';
import { TransformersEmbedder } from './transformersEmbedder';
import type { Embedder, ProgressReporter } from './types';
import { WordVectorEmbedder } from './wordVectors';

export const EMBEDDER_SPEC_FORMS = ['hashing', 'words', 'ollama:MODEL', 'transformers:DIR'] as const;
export const DEFAULT_EMBEDDER_SPEC = 'hashing';

export interface CreateEmbedderOptions {
  /** Ollama URL for `ollama:MODEL` (default http://127.0.0.1:11434). */
  host?: string;
  /** Folder that a relative `transformers:DIR` is resolved against (default: process.cwd()). */
  baseDir?: string;
  /** Texts per request / inference call. */
  batchSize?: number;
  signal?: AbortSignal;
}

/**
 * Builds the embedder named by `spec`. Async because the id of a model-backed embedder pins the
 * model (digest / file hash) and its dimension, which are only known after asking the model.
 */
export async function createEmbedder(spec: string, opts: CreateEmbedderOptions = {}): Promise<Embedder> {
  const s = spec.trim();
  if (s === 'hashing' || s === 'hashing-v1' || s === 'hashing-v1-d512') return new HashingEmbedder();
  // Static GloVe word vectors (opt-in): its asset is read here, on first use, once per process.
  if (s === 'words' || s === 'words-glove100-v1') return WordVectorEmbedder.create();
  const colon = s.indexOf(':');
  const kind = colon < 0 ? s : s.slice(0, colon);
  const arg = colon < 0 ? '' : s.slice(colon + 1).trim();
  if (kind === 'ollama' && arg) return OllamaEmbedder.create({ host: opts.host, model: arg, batchSize: opts.batchSize, signal: opts.signal });
  if (kind === 'transformers' && arg) {
    const dir = isAbsolute(arg) ? arg : resolve(opts.baseDir ?? process.cwd(), arg);
    return TransformersEmbedder.create(dir, { batchSize: opts.batchSize, signal: opts.signal });
  }
  throw new UserError(`Unknown embedder "${spec}": use one of ${EMBEDDER_SPEC_FORMS.join(', ')}`, 'usage');
}

export interface EmbedAllOptions {
  signal?: AbortSignal;
  /** Called with (examples whose vector is known, total) after the cache lookup and after each batch. */
  onProgress?: ProgressReporter;
  batchSize?: number;
  /** Write the cache file at the end when something was added (default true). */
  flush?: boolean;
}

/**
 * Fixed-point vectors for `examples`, in their order. The cache is keyed by the content hash of
 * each text (never by example id): cached ones are read, the others embedded in batches (each
 * distinct text once) and added. On cancellation the batches already done stay in the cache
 * (in memory; flush() to keep them) and CancelledError is thrown.
 */
export async function embedAll(
  embedder: Embedder,
  cache: EmbeddingCache,
  examples: readonly { readonly id?: string; readonly input: string }[],
  opts: EmbedAllOptions = {},
): Promise<Int32Array[]> {
  if (cache.embedderId !== embedder.id || cache.dimension !== embedder.dimension) {
    throw new Error(`embedAll: the cache belongs to ${cache.embedderId} (d${cache.dimension}), not ${embedder.id} (d${embedder.dimension})`);
  }
  const { signal, onProgress } = opts;
  const batchSize = opts.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`bad batch size ${batchSize}`);
  throwIfAborted(signal);
  const total = examples.length;
  const keys = examples.map((ex) => contentHash(ex.input));
  // Read what is cached (a slot that is not intact reads as missing and is embedded again).
  const found = new Map<string, Int32Array>();
  const distinct = [...new Set(keys)];
  cache.getMany(distinct).forEach((v, i) => v && found.set(distinct[i], v));
  // Each missing content once, even if several examples hold it (counted in `occurrences`).
  const missing = new Map<string, string>();
  const occurrences = new Map<string, number>();
  examples.forEach((ex, i) => {
    const key = keys[i];
    if (found.has(key)) return;
    if (!missing.has(key)) missing.set(key, ex.input);
    occurrences.set(key, (occurrences.get(key) ?? 0) + 1);
  });
  const pending = [...missing.keys()];
  let done = total;
  for (const n of occurrences.values()) done -= n;
  onProgress?.(done, total);
  for (let i = 0; i < pending.length; i += batchSize) {
    throwIfAborted(signal);
    const batch = pending.slice(i, i + batchSize);
    const vectors = await embedder.embed(
      batch.map((key) => missing.get(key)!),
      signal,
    );
    if (vectors.length !== batch.length) throw new Error(`embedder ${embedder.id} returned ${vectors.length} vectors for ${batch.length} texts`);
    const rows = batch.map((key, k) => {
      if (vectors[k].length !== embedder.dimension) throw new Error(`embedder ${embedder.id} returned a vector of length ${vectors[k].length}`);
      return [key, toFixed(vectors[k])] as const;
    });
    // Fresh vectors, stored without a copy: the cache is flushed before they are returned (with flush: false the caller must not change them).
    cache.adoptMany(rows);
    for (const [key, v] of rows) found.set(key, v);
    for (const key of batch) done += occurrences.get(key)!;
    onProgress?.(done, total);
    // Let abort handlers and progress UI run between batches of a synchronous embedder.
    await new Promise<void>((ok) => setImmediate(ok));
  }
  throwIfAborted(signal);
  if (pending.length > 0 && opts.flush !== false) cache.flush();
  return keys.map((key) => found.get(key)!);
}
