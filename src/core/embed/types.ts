/**
 * An embedder turns texts into vectors. It must be a pure function of (id, text): nothing fitted
 * on the data set, or a deletion would move every other vector (ALGORITHMS.md §2).
 */
export interface Embedder {
  /** Name + version + dimension, e.g. `hashing-v1-d512`. Part of every cache key and of the cluster state. */
  readonly id: string;
  readonly dimension: number;
  /** One vector per text, each of length `dimension`, L2-normalised. Rejects with CancelledError on abort. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float64Array[]>;
}

export type ProgressReporter = (done: number, total: number) => void;
