/**
 * Model options the user chooses for a workspace (kept in `.erase/config.json` as "generation"):
 * sampling, context size, answer length, chat or generate, thinking. They are passed through the
 * `ollama` client as Ollama's own option names, and never shape the clustered state.
 */
import type { Options } from 'ollama';
import { UserError } from '../errors';

export interface GenerationSettings {
  /** `/api/generate` (one prompt) or `/api/chat` (a system message and one user message). */
  readonly api: 'generate' | 'chat';
  readonly temperature?: number;
  readonly topP?: number;
  /** Sampling seed: with temperature > 0, the same seed gives the same answer. */
  readonly seed?: number;
  /** Context size in tokens (Ollama's num_ctx); unset: the server's default. */
  readonly numCtx?: number;
  /** At most this many answer tokens (Ollama's num_predict); unset: no limit. */
  readonly numPredict?: number;
  /**
   * Thinking models (qwen3, deepseek-r1, gpt-oss) think first and stream nothing of the answer
   * meanwhile, unless asked not to. false sends `think: false`; true lets them think and shows the
   * thinking text apart from the answer.
   */
  readonly think: boolean;
}

export const DEFAULT_GENERATION: GenerationSettings = { api: 'generate', think: false };

/**
 * The context Ollama gives a model when num_ctx is not set: 4096 tokens on machines with less than
 * 24 GiB of VRAM (docs/context-length), unless OLLAMA_CONTEXT_LENGTH or the Modelfile says more.
 * Used only to warn; a larger server default makes the warning cautious, never silent.
 */
export const OLLAMA_DEFAULT_CONTEXT = 4096;

/** Every problem of the settings, one line each (empty when valid). */
export function generationIssues(g: GenerationSettings): string[] {
  const issues: string[] = [];
  const num = (v: unknown, name: string, ok: (x: number) => boolean, what: string) => {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && ok(v))) issues.push(`${name} must be ${what}, got ${JSON.stringify(v)}`);
  };
  if (g.api !== 'generate' && g.api !== 'chat') issues.push(`api must be "generate" or "chat", got ${JSON.stringify(g.api)}`);
  num(g.temperature, 'temperature', (x) => x >= 0 && x <= 2, 'a number in 0..2');
  num(g.topP, 'top-p', (x) => x > 0 && x <= 1, 'a number in (0, 1]');
  num(g.seed, 'seed', (x) => Number.isInteger(x) && x >= 0 && x <= 2 ** 31 - 1, 'an integer in 0..2147483647');
  num(g.numCtx, 'num_ctx', (x) => Number.isInteger(x) && x >= 256 && x <= 1 << 21, 'an integer in 256..2097152');
  num(g.numPredict, 'max tokens', (x) => Number.isInteger(x) && x >= 1 && x <= 1 << 20, 'an integer in 1..1048576');
  if (typeof g.think !== 'boolean') issues.push(`think must be true or false, got ${JSON.stringify(g.think)}`);
  return issues;
}

export function checkGeneration(g: GenerationSettings): void {
  const issues = generationIssues(g);
  if (issues.length) throw new UserError(`invalid model options: ${issues.join('; ')}`, 'usage');
}

/** Stored settings, with defaults for what is missing (unknown keys are dropped). */
export function readGeneration(raw: unknown): GenerationSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const g: Record<string, unknown> = { ...DEFAULT_GENERATION };
  for (const k of ['api', 'temperature', 'topP', 'seed', 'numCtx', 'numPredict', 'think'] as const) if (r[k] !== undefined && r[k] !== null) g[k] = r[k];
  return g as unknown as GenerationSettings;
}

/** Ollama's option names; unset settings are left out, so the model's Modelfile values apply. */
export function ollamaOptions(g: GenerationSettings): Partial<Options> {
  const o: Partial<Options> = {};
  if (g.temperature !== undefined) o.temperature = g.temperature;
  if (g.topP !== undefined) o.top_p = g.topP;
  if (g.seed !== undefined) o.seed = g.seed;
  if (g.numCtx !== undefined) o.num_ctx = g.numCtx;
  if (g.numPredict !== undefined) o.num_predict = g.numPredict;
  return o;
}

/**
 * Tokens of a text before the model has seen it: about four characters per token for English
 * text with the usual BPE vocabularies. An estimate, shown as one; the server's count replaces it.
 */
export function estimateTokens(text: string): number {
  return Math.ceil([...text].length / 4);
}

/** A warning when a prompt would not fit (estimate) or did not fit (the server's prompt_eval_count). */
export function contextWarning(g: GenerationSettings, tokens: number, measured: boolean): string | undefined {
  const ctx = g.numCtx ?? OLLAMA_DEFAULT_CONTEXT;
  const whose = g.numCtx !== undefined ? `the context size num_ctx = ${ctx}` : `Ollama's default context of ${ctx} tokens (num_ctx not set)`;
  if (measured) {
    if (tokens < ctx) return undefined;
    return `the prompt filled ${whose} (${tokens} tokens evaluated): Ollama cut its beginning, so the model did not see the whole prompt; raise num_ctx`;
  }
  const room = g.numPredict ?? 0;
  if (tokens + room <= ctx) return undefined;
  return `the prompt (about ${tokens} tokens, estimated${room ? `, plus up to ${room} answer tokens` : ''}) may not fit ${whose}: Ollama would cut its beginning; raise num_ctx`;
}
