import { UserError, throwIfAborted } from '../errors';
import { createClient, displayHost, modelMissing, toOllamaError } from '../ollama/connection';
import { l2NormalizedCopy } from './normalize';
import type { Embedder } from './types';

export interface OllamaEmbedderOptions {
  host?: string;
  model: string;
  /** Texts per /api/embed request. */
  batchSize?: number;
  signal?: AbortSignal;
}

const PROBE_TEXT = 'dimension probe';

/**
 * Embeddings from Ollama's /api/embed. The id pins the model by its digest, so re-pulling a
 * changed model starts a new cache instead of mixing vectors of two models. Ollama's vectors are
 * not guaranteed bit-identical across machines (GPU kernels differ); the cache, keyed by this id,
 * is what keeps each example's vector stable once computed.
 */
export class OllamaEmbedder implements Embedder {
  private constructor(
    readonly id: string,
    readonly dimension: number,
    readonly host: string,
    readonly model: string,
    private readonly batchSize: number,
  ) {}

  /** Finds the model and its digest, then learns the dimension from one probe request. */
  static async create(opts: OllamaEmbedderOptions): Promise<OllamaEmbedder> {
    const { model, signal } = opts;
    const host = displayHost(opts.host);
    const batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`bad batch size ${batchSize}`);
    throwIfAborted(signal);
    let listed: { name: string; digest: string } | undefined;
    try {
      const { models } = await createClient(host, signal).list();
      const wanted = model.includes(':') ? model : `${model}:latest`;
      listed = models.find((m) => m.name === wanted || m.model === wanted || m.name === model);
    } catch (e) {
      throw toOllamaError(e, { host, model, signal });
    }
    if (!listed) throw modelMissing(host, model);
    const probe = await embedBatch(host, listed.name, [PROBE_TEXT], signal);
    const dimension = probe[0].length;
    if (dimension === 0) throw new UserError(`Ollama model "${model}" at ${host} returned an empty embedding: is it an embedding model?`, 'unavailable');
    const digest = listed.digest.replace(/^sha256:/, '').slice(0, 12) || 'nodigest';
    return new OllamaEmbedder(`ollama:${listed.name}@${digest}-d${dimension}`, dimension, host, listed.name, batchSize);
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float64Array[]> {
    const out: Float64Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      throwIfAborted(signal);
      const rows = await embedBatch(this.host, this.model, texts.slice(i, i + this.batchSize), signal);
      for (const r of rows) {
        if (r.length !== this.dimension) {
          throw new UserError(`Ollama model "${this.model}" returned a ${r.length}-dimensional embedding, expected ${this.dimension}`, 'unavailable');
        }
        out.push(r);
      }
    }
    return out;
  }
}

async function embedBatch(host: string, model: string, input: string[], signal?: AbortSignal): Promise<Float64Array[]> {
  let embeddings: number[][];
  try {
    ({ embeddings } = await createClient(host, signal).embed({ model, input }));
  } catch (e) {
    throw toOllamaError(e, { host, model, signal });
  }
  if (!Array.isArray(embeddings) || embeddings.length !== input.length) {
    throw new UserError(`Ollama at ${host} returned ${embeddings?.length ?? 'no'} embeddings for ${input.length} texts`, 'unavailable');
  }
  return embeddings.map((row) => l2NormalizedCopy(row, `Ollama model "${model}"`));
}
