import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError, throwIfAborted } from '../errors';
import { l2NormalizedCopy } from './normalize';
import type { Embedder } from './types';

/** The little of @huggingface/transformers that is used here (kept structural: the package is optional). */
interface Tensor {
  data: ArrayLike<number>;
  dims: number[];
}
type Extractor = (texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<Tensor>;
interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string; useBrowserCache?: boolean; useFSCache?: boolean };
  pipeline: (task: 'feature-extraction', model: string, opts: Record<string, unknown>) => Promise<Extractor>;
}

export const TRANSFORMERS_PACKAGE = '@huggingface/transformers';

/** Loaded only here, on first use: the package is large and must never load with the extension. */
async function importTransformers(): Promise<unknown> {
  return import('@huggingface/transformers');
}

export interface TransformersEmbedderOptions {
  /** Texts per inference call (between two calls the signal is checked). */
  batchSize?: number;
  signal?: AbortSignal;
  /** For tests: replaces the dynamic import of the package. */
  importModule?: () => Promise<unknown>;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * A local transformers.js model directory (config.json, tokenizer.json, onnx/model.onnx), run
 * fully offline on the CPU in fp32 with mean pooling. The id pins the exact weights by the
 * SHA-256 of onnx/model.onnx. Like Ollama, ONNX Runtime's float sums are not promised to be
 * identical across machines; the cache keeps each example's vector stable once computed.
 */
export class TransformersEmbedder implements Embedder {
  private constructor(
    readonly id: string,
    readonly dimension: number,
    private readonly extractor: Extractor,
    private readonly batchSize: number,
  ) {}

  static async create(modelDir: string, opts: TransformersEmbedderOptions = {}): Promise<TransformersEmbedder> {
    const dir = resolve(modelDir);
    const onnx = join(dir, 'onnx', 'model.onnx');
    if (!existsSync(join(dir, 'config.json')) || !existsSync(onnx)) {
      throw new UserError(`${dir} is not a transformers.js model directory: it needs config.json, tokenizer.json and onnx/model.onnx`, 'input');
    }
    const batchSize = opts.batchSize ?? 16;
    throwIfAborted(opts.signal);
    let mod: TransformersModule;
    try {
      const m = (await (opts.importModule ?? importTransformers)()) as TransformersModule & { default?: TransformersModule };
      mod = m.env ? m : (m.default as TransformersModule); // a CommonJS build puts everything on default
      if (!mod?.env || typeof mod.pipeline !== 'function') throw new Error('unexpected module shape');
    } catch (e) {
      throw new UserError(
        `The transformers embedder needs the optional package ${TRANSFORMERS_PACKAGE}, which could not be loaded (${(e as Error).message.split('\n')[0]}): ` +
          `install it with \`npm install ${TRANSFORMERS_PACKAGE}\` (set ONNXRUNTIME_NODE_INSTALL=skip to skip its CUDA download), or use the default "hashing" embedder`,
        'unavailable',
      );
    }
    // Offline only: the hub is never contacted; the model id is the folder name under its parent.
    mod.env.allowRemoteModels = false;
    mod.env.allowLocalModels = true;
    mod.env.localModelPath = dirname(dir) + '/';
    mod.env.useBrowserCache = false;
    if ('useFSCache' in mod.env) mod.env.useFSCache = false;
    const hidden = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { hidden_size?: number }).hidden_size;
    const [digest, extractor] = await Promise.all([
      sha256File(onnx),
      mod.pipeline('feature-extraction', basename(dir), { dtype: 'fp32', device: 'cpu', local_files_only: true }).catch((e: Error) => {
        throw new UserError(`Could not load the model in ${dir}: ${e.message.split('\n')[0]}`, 'input');
      }),
    ]);
    let dimension = hidden ?? 0;
    if (!dimension) dimension = (await extractor(['dimension probe'], { pooling: 'mean', normalize: true })).dims.at(-1) ?? 0;
    return new TransformersEmbedder(`transformers:${basename(dir)}@${digest.slice(0, 12)}-d${dimension}`, dimension, extractor, batchSize);
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float64Array[]> {
    const out: Float64Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      throwIfAborted(signal);
      const batch = texts.slice(i, i + this.batchSize);
      const t = await this.extractor(batch, { pooling: 'mean', normalize: true });
      const dim = t.dims.at(-1) ?? 0;
      if (dim !== this.dimension || t.data.length !== batch.length * dim) {
        throw new UserError(`The model returned embeddings of shape [${t.dims.join(', ')}], expected [${batch.length}, ${this.dimension}]`, 'unavailable');
      }
      for (let r = 0; r < batch.length; r++) {
        // Re-normalised in float64: the model normalised in float32.
        out.push(l2NormalizedCopy(Array.prototype.slice.call(t.data, r * dim, (r + 1) * dim) as number[], 'The transformers model'));
      }
    }
    throwIfAborted(signal);
    return out;
  }
}
