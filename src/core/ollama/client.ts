import type { AbortableAsyncIterator, ChatResponse, GenerateResponse, Options, ProgressResponse } from 'ollama';
import { UserError, throwIfAborted } from '../errors';
import { createClient, displayHost, retryOnStaleSocket, toOllamaError } from './connection';

export { DEFAULT_OLLAMA_HOST, displayHost } from './connection';

export interface ModelInfo {
  name: string;
  digest: string;
  size: number;
  modifiedAt: string;
  family?: string;
  parameterSize?: string;
  quantization?: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  host?: string;
  model: string;
  /** Either a raw prompt (→ /api/generate) or chat messages (→ /api/chat). */
  prompt?: string;
  messages?: readonly ChatMessage[];
  system?: string;
  options?: Partial<Options>;
  keepAlive?: string | number;
  /** Sent as Ollama's `think` when set: false asks a thinking model to answer at once (a model that cannot think accepts false). */
  think?: boolean;
  signal?: AbortSignal;
  /** Called with each piece of text as it arrives. */
  onToken?: (token: string) => void;
  /** Called with each piece of a thinking model's thinking (kept apart from the answer). */
  onThinking?: (token: string) => void;
}

export interface CompletionResult {
  text: string;
  /** A thinking model's thinking text ('' for others or with think: false). */
  thinking: string;
  /** 'stop', 'length', ... as reported by Ollama's final line. */
  doneReason: string;
  evalCount: number;
  promptEvalCount: number;
  totalDurationNs: number;
  evalDurationNs: number;
}

export interface PullProgress {
  status: string;
  completed?: number;
  total?: number;
}

export async function listModels(host?: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ModelInfo[]> {
  const client = createClient(host, opts.signal, opts.timeoutMs);
  try {
    const { models } = await client.list();
    return models.map((m) => ({
      name: m.name,
      digest: m.digest,
      size: m.size,
      modifiedAt: String(m.modified_at),
      family: m.details?.family,
      parameterSize: m.details?.parameter_size,
      quantization: m.details?.quantization_level,
    }));
  } catch (e) {
    throw toOllamaError(e, { host, signal: opts.signal });
  }
}

/** True when the server answers /api/version within `timeoutMs`. Never throws. */
export async function isReachable(host?: string, timeoutMs = 2000): Promise<boolean> {
  try {
    await createClient(host, undefined, timeoutMs).version();
    return true;
  } catch {
    return false;
  }
}

/**
 * Streams a completion. Aborting `signal` closes the HTTP connection, which makes Ollama stop
 * generating, and rejects with CancelledError. A failed request, an error line in the stream,
 * or a stream that ends without its final `done` line each reject with a UserError: a partial
 * answer is never returned as if it were complete.
 */
export async function streamCompletion(req: CompletionRequest): Promise<CompletionResult> {
  const { host, model, signal } = req;
  if ((req.prompt === undefined) === (req.messages === undefined)) {
    throw new UserError('streamCompletion needs exactly one of `prompt` or `messages`', 'usage');
  }
  throwIfAborted(signal);
  const client = createClient(host, signal);
  let stream: AbortableAsyncIterator<ChatResponse | GenerateResponse>;
  try {
    if (req.messages) {
      const messages = req.system ? [{ role: 'system', content: req.system }, ...req.messages] : [...req.messages];
      stream = await retryOnStaleSocket(() => client.chat({ model, messages, stream: true, options: req.options, keep_alive: req.keepAlive, think: req.think }), signal);
    } else {
      stream = await retryOnStaleSocket(
        () => client.generate({ model, prompt: req.prompt ?? '', system: req.system, stream: true, options: req.options, keep_alive: req.keepAlive, think: req.think }),
        signal,
      );
    }
  } catch (e) {
    throw toOllamaError(e, { host, model, signal });
  }
  let text = '';
  let thinking = '';
  let final: ChatResponse | GenerateResponse | undefined;
  try {
    for await (const part of stream) {
      const piece = 'message' in part ? part.message?.content : (part as GenerateResponse).response;
      const thought = 'message' in part ? part.message?.thinking : (part as GenerateResponse).thinking;
      if (thought) {
        thinking += thought;
        req.onThinking?.(thought);
      }
      if (piece) {
        text += piece;
        req.onToken?.(piece);
      }
      if (part.done) final = part;
    }
  } catch (e) {
    throw toOllamaError(e, { host, model, signal, streaming: true });
  } finally {
    if (!final) stream.abort(); // e.g. onToken threw: do not leave the server generating
  }
  if (!final) throw toOllamaError(new Error('Did not receive done or success response in stream.'), { host, model });
  return {
    text,
    thinking,
    doneReason: final.done_reason ?? 'stop',
    evalCount: final.eval_count ?? 0,
    promptEvalCount: final.prompt_eval_count ?? 0,
    totalDurationNs: final.total_duration ?? 0,
    evalDurationNs: final.eval_duration ?? 0,
  };
}

/** Asks Ollama to free the model's memory now (a generate request with keep_alive 0). */
export async function unloadModel(host: string | undefined, model: string, signal?: AbortSignal): Promise<void> {
  try {
    await createClient(host, signal).generate({ model, prompt: '', keep_alive: 0, stream: false });
  } catch (e) {
    throw toOllamaError(e, { host, model, signal });
  }
}

/** Downloads a model into the Ollama server, reporting progress; resolves when it succeeded. */
export async function pullModel(host: string | undefined, model: string, opts: { signal?: AbortSignal; onProgress?: (p: PullProgress) => void } = {}): Promise<void> {
  const { signal } = opts;
  throwIfAborted(signal);
  const client = createClient(host, signal);
  let stream: AbortableAsyncIterator<ProgressResponse>;
  try {
    stream = await client.pull({ model, stream: true });
  } catch (e) {
    throw toOllamaError(e, { host, model, signal });
  }
  let ok = false;
  try {
    for await (const p of stream) {
      opts.onProgress?.({ status: p.status, completed: p.completed, total: p.total });
      if (p.status === 'success') ok = true;
    }
  } catch (e) {
    const err = toOllamaError(e, { host, model, signal, streaming: true });
    if (err instanceof UserError && /mid-stream/.test(err.message)) {
      throw new UserError(`Ollama at ${displayHost(host)} could not pull "${model}": ${err.message.replace(/^.*mid-stream: /, '')}`, 'unavailable');
    }
    throw err;
  } finally {
    if (!ok) stream.abort();
  }
}
