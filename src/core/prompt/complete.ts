/**
 * Answering a rendered prompt with the local model: the one path every completion of the product
 * takes (`erase complete`, `erase eval`, the playground's columns). It sends the prompt as the
 * template and the model options say (generate or chat, system prompt, options, think) and
 * returns the answer with what produced it: the example ids, the template version, the model, the
 * server's token counts and any context-size warning. Whatever must happen for every completion
 * (recording it, say) belongs here, once.
 */
import type { RenderedPrompt } from '../erase/prompt';
import { streamCompletion, type CompletionResult } from '../ollama/client';
import { contextWarning, estimateTokens, ollamaOptions, type GenerationSettings } from '../ollama/generation';

export interface PromptCompletionRequest {
  readonly host?: string;
  readonly model: string;
  readonly prompt: Pick<RenderedPrompt, 'text' | 'system' | 'ids' | 'templateVersion'>;
  readonly generation: GenerationSettings;
  readonly signal?: AbortSignal;
  readonly onToken?: (token: string) => void;
  readonly onThinking?: (token: string) => void;
}

export interface PromptCompletion extends CompletionResult {
  readonly model: string;
  /** Ids of the examples in the prompt, in prompt order. */
  readonly promptIds: readonly string[];
  readonly templateVersion: string;
  readonly api: GenerationSettings['api'];
  /** Estimated before sending (system prompt included); promptEvalCount is the server's count. */
  readonly estimatedPromptTokens: number;
  /** Set when the server's count shows the prompt filled the context (it was cut). */
  readonly contextWarning?: string;
}

/** The size estimate and warning shown before anything is sent. */
export function promptBudget(prompt: Pick<RenderedPrompt, 'text' | 'system'>, generation: GenerationSettings): { estimatedTokens: number; warning?: string } {
  const estimatedTokens = estimateTokens(prompt.text) + (prompt.system ? estimateTokens(prompt.system) : 0);
  return { estimatedTokens, warning: contextWarning(generation, estimatedTokens, false) };
}

export async function completePrompt(req: PromptCompletionRequest): Promise<PromptCompletion> {
  const { prompt, generation: g } = req;
  const common = { host: req.host, model: req.model, options: ollamaOptions(g), think: g.think, signal: req.signal, onToken: req.onToken, onThinking: req.onThinking };
  const system = prompt.system || undefined;
  const r =
    g.api === 'chat'
      ? await streamCompletion({ ...common, messages: [{ role: 'user', content: prompt.text }], system })
      : await streamCompletion({ ...common, prompt: prompt.text, system });
  return {
    ...r,
    model: req.model,
    promptIds: [...prompt.ids],
    templateVersion: prompt.templateVersion,
    api: g.api,
    estimatedPromptTokens: promptBudget(prompt, g).estimatedTokens,
    contextWarning: contextWarning(g, r.promptEvalCount, true),
  };
}
