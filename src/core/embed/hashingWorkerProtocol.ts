/** Messages between the main thread and a hashing-embedder worker (hashingWorker.ts). */

/** One chunk of texts to embed with `hashing-v1-d<dimension>`, in fixed point, optionally projected. */
export interface HashingChunkRequest {
  readonly chunk: number;
  readonly texts: readonly string[];
  readonly dimension: number;
  /** Send back the full fixed-point vectors (n × dimension), e.g. for the embedding cache. */
  readonly keepFull: boolean;
  /** Also project them (n × dims) with the seeded projection of the cluster state. */
  readonly projection?: { readonly seed: string; readonly dims: number };
}

export type HashingChunkReply = { readonly chunk: number; readonly full?: Int32Array; readonly projected?: Int32Array } | { readonly chunk: number; readonly error: string };
