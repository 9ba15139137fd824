import type { Ollama } from 'ollama';
import { CancelledError, UserError } from '../errors';

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';

/** Ollama's port when the host names none (as the `ollama` CLI reads OLLAMA_HOST: http → 11434, https → 443). */
export const OLLAMA_DEFAULT_PORT = '11434';

/**
 * The URL requests go to and messages name: `localhost`, `192.168.1.5`, `:11435` or
 * `http://host` get a scheme and the port 11434, so the client never falls back to port 80 and an
 * error names the URL that was really tried. A path (behind a reverse proxy) is kept.
 */
export function displayHost(host: string | undefined): string {
  let h = (host ?? '').trim() || DEFAULT_OLLAMA_HOST;
  if (h.startsWith(':')) h = `http://127.0.0.1${h}`;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(h)) h = `http://${h}`;
  let url: URL;
  try {
    url = new URL(h);
  } catch {
    return h.replace(/\/+$/, ''); // not a URL: the request fails and names it as typed
  }
  if (!url.port && url.protocol === 'http:') url.port = OLLAMA_DEFAULT_PORT;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * A client whose every request (streamed or not) follows `signal`. The `ollama` package only
 * aborts streamed requests itself, and only after their headers arrived; routing its fetch
 * through our signal also aborts non-streamed calls and a request still waiting for its first
 * byte, and aborting closes the HTTP connection so the server stops generating.
 */
export function createClient(host: string | undefined, signal?: AbortSignal, timeoutMs?: number): Ollama {
  const signals: AbortSignal[] = [];
  if (signal) signals.push(signal);
  if (timeoutMs !== undefined) signals.push(AbortSignal.timeout(timeoutMs));
  const extra = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  const wrapped: typeof fetch = async (input, init) => {
    const own = init?.signal ?? undefined;
    const combined = own && extra ? AbortSignal.any([own, extra]) : (own ?? extra);
    return jsonErrorBody(await fetch(input, { ...init, signal: combined }));
  };
  // required here, not at start: most CLI commands never talk to Ollama (the CLI bundle keeps it apart)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Ollama: Client } = require('ollama') as typeof import('ollama');
  return new Client({ host: displayHost(host), fetch: wrapped });
}

/**
 * An error answer whose body is not JSON (a proxy's HTML page, a plain-text 502) made the `ollama`
 * client print "Getting text from response" with console.log, i.e. on stdout, into `--json`
 * output. Such bodies are rewritten into Ollama's own `{"error": …}` shape first.
 */
async function jsonErrorBody(res: Response): Promise<Response> {
  if (res.ok) return res;
  const text = await res.text().catch(() => '');
  let error: string | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed?.error === 'string') error = parsed.error;
  } catch {
    // not JSON: keep the text, on one line
  }
  error ??=
    text
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim() ||
    res.statusText ||
    `HTTP ${res.status}`;
  return new Response(JSON.stringify({ error }), { status: res.status, statusText: res.statusText, headers: { 'Content-Type': 'application/json' } });
}

export interface ErrorContext {
  host: string | undefined;
  model?: string;
  signal?: AbortSignal;
  /** Set when the request read a streamed body, so a connection cut counts as a cut stream. */
  streaming?: boolean;
}

/** Codes meaning no connection could be made (as opposed to one that broke: UND_ERR_SOCKET, ECONNRESET). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const BROKEN_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur && typeof cur === 'object'; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs a request once more when its connection turned out to be closed before any answer came: a
 * kept-alive socket the server dropped while this process was busy (its close not yet seen) would
 * otherwise fail the first request after a long computation. Only the sending is retried — a
 * stream cut after its answer began is never replayed. Asking a local model again is harmless.
 */
export async function retryOnStaleSocket<T>(send: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await send();
  } catch (e) {
    const code = errorCode(e);
    if (signal?.aborted || !code || !BROKEN_CODES.has(code)) throw e;
    return send();
  }
}

/** Server messages are shown on one line and kept short (they should never carry data-set text). */
function shortMessage(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? one.slice(0, 197) + '...' : one;
}

export function unreachable(host: string | undefined): UserError {
  return new UserError(`Ollama is not reachable at ${displayHost(host)}: start it with \`ollama serve\` or set --host`, 'unavailable');
}

/**
 * Node's fetch gives up when no response headers (or no body bytes) arrived for 300 s: a large
 * model still loading, a long prompt being evaluated, a big embedding batch. The server is there,
 * only slow: saying "not reachable … ollama serve" would send the user the wrong way. (Node's
 * fetch takes no option to lift that limit without the undici package.)
 */
export function slowAnswer(host: string | undefined, beforeHeaders: boolean): UserError {
  return new UserError(
    `Ollama at ${displayHost(host)} is reachable but ${beforeHeaders ? 'sent no answer' : 'stopped sending'} for 300 s (a model still loading, a long prompt or a large batch being evaluated): try again once it is loaded (\`ollama ps\`), or use a smaller model, prompt or batch`,
    'unavailable',
  );
}

export function modelMissing(host: string | undefined, model: string): UserError {
  return new UserError(`Ollama model "${model}" is not available at ${displayHost(host)}: run \`ollama pull ${model}\``, 'unavailable');
}

/** Translates whatever the client or fetch threw into CancelledError or a one-line UserError. */
export function toOllamaError(e: unknown, ctx: ErrorContext): Error {
  if (e instanceof UserError || e instanceof CancelledError) return e;
  if (ctx.signal?.aborted) return new CancelledError();
  const err = e as { name?: string; message?: string; status_code?: number };
  const url = displayHost(ctx.host);
  if (err?.name === 'TimeoutError') return new UserError(`Ollama at ${url} did not answer in time`, 'unavailable');
  if (err?.name === 'ResponseError') {
    const msg = shortMessage(String(err.message ?? ''));
    if (err.status_code === 404 && ctx.model && /not found|no such|pull/i.test(msg)) return modelMissing(ctx.host, ctx.model);
    return new UserError(`Ollama at ${url} failed (HTTP ${err.status_code}): ${msg}`, 'unavailable');
  }
  const msg = String(err?.message ?? e);
  if (/Did not receive done or success response in stream/.test(msg)) {
    return new UserError(`Ollama at ${url} ended the response stream before it was complete; the answer is incomplete and was discarded`, 'unavailable');
  }
  const code = errorCode(e);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return slowAnswer(ctx.host, code === 'UND_ERR_HEADERS_TIMEOUT');
  if ((code && BROKEN_CODES.has(code)) || (ctx.streaming && msg === 'terminated')) {
    return new UserError(`Ollama at ${url} closed the connection before the response was complete; the answer is incomplete and was discarded`, 'unavailable');
  }
  if ((code && UNREACHABLE_CODES.has(code)) || msg === 'fetch failed') return unreachable(ctx.host);
  if (e instanceof Error && e.name === 'Error' && ctx.streaming) {
    // The client throws a plain Error with the text of an `{"error": ...}` line of the stream.
    return new UserError(`Ollama at ${url} reported an error mid-stream: ${shortMessage(msg)}`, 'unavailable');
  }
  return new UserError(`Ollama at ${url} failed: ${shortMessage(msg)}`, 'unavailable');
}
