/**
 * Log-probabilities of a generated token. Ollama returns them only for tokens it generates (no
 * echo of the prompt's tokens), when asked with `logprobs: true` and `top_logprobs: N` on
 * /api/generate or /api/chat: each generated token then comes with
 * `{ token, logprob, bytes, top_logprobs: [{ token, logprob, bytes }, …] }`. A server that does not
 * support them ignores the fields and answers without `logprobs`.
 */
import type { GenerateResponse } from 'ollama';
import { throwIfAborted } from '../errors';
import { createClient, retryOnStaleSocket, toOllamaError } from './connection';

export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number;
}

/** Ollama caps top_logprobs at 20. */
export const MAX_TOP_LOGPROBS = 20;

/**
 * The most likely first tokens of the answer to `prompt`, with their log-probabilities (greedy,
 * one token generated), or null when the server returned no log-probabilities.
 */
export async function firstTokenLogprobs(req: { host?: string; model: string; prompt: string; topLogprobs: number; signal?: AbortSignal }): Promise<TokenLogprob[] | null> {
  const { host, model, signal } = req;
  throwIfAborted(signal);
  let r: GenerateResponse;
  try {
    const client = createClient(host, signal);
    r = await retryOnStaleSocket(
      () =>
        client.generate({
          model,
          prompt: req.prompt,
          stream: false,
          logprobs: true,
          top_logprobs: req.topLogprobs,
          options: { temperature: 0, num_predict: 1 },
        }),
      signal,
    );
  } catch (e) {
    throw toOllamaError(e, { host, model, signal });
  }
  const first = Array.isArray(r.logprobs) ? r.logprobs[0] : undefined;
  const top = first?.top_logprobs;
  if (!Array.isArray(top) || top.length === 0) return null;
  return top.filter((t) => typeof t?.token === 'string' && Number.isFinite(t.logprob)).map((t) => ({ token: t.token, logprob: t.logprob }));
}
