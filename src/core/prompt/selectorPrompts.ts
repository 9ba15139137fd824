/**
 * One query, the prompts of several selectors (the evaluation's baselines): ERASE's, the k
 * nearest examples', k random examples' and none. Each has as many examples as the ERASE prompt,
 * so the columns differ only in which examples they show. All deterministic (random is keyed by
 * the workspace seed and the query text).
 */
import type { Example } from '../dataset/types';
import { renderPrompt, type RenderedPrompt } from '../erase/prompt';
import { knnSelect, randomSelect } from '../eval/selectors';
import { sha256Hex } from '../hash';
import type { EraseWorkspace } from '../workspace/workspace';

export type PromptSelector = 'erase' | 'knn' | 'random' | 'zeroShot';
export const PROMPT_SELECTORS: readonly PromptSelector[] = ['erase', 'knn', 'random', 'zeroShot'];

export interface SelectorPrompt extends RenderedPrompt {
  readonly selector: PromptSelector;
}

const labelOf = (e: Example): string => e.label ?? e.output;

export async function selectorPrompt(ws: EraseWorkspace, selector: PromptSelector, query: string, opts: { signal?: AbortSignal } = {}): Promise<SelectorPrompt> {
  const erase = await ws.prompt(query, opts);
  if (selector === 'erase') return { ...erase, selector };
  const template = ws.config.template;
  if (selector === 'zeroShot') return { ...renderPrompt([], query, template), selector };
  const examples = ws.loadDataset().examples;
  const byId = new Map(examples.map((e) => [e.id, e] as const));
  const k = erase.ids.length;
  let ids: string[];
  if (selector === 'random') {
    const queryKey = parseInt(sha256Hex(query).slice(0, 8), 16);
    ids = randomSelect(
      examples.map((e) => ({ id: e.id, label: labelOf(e) })),
      k,
      ws.config.seed,
      queryKey,
    );
  } else {
    const model = await ws.loadModel(opts);
    const projected = await ws.projectText(model.state, query, opts);
    ids = knnSelect(model.points.ids, model.points.fixed, model.points.dims, projected, k, new Set(byId.keys()));
  }
  const chosen = ids.map((id) => {
    const e = byId.get(id)!;
    return { id, input: e.input, output: e.output };
  });
  return { ...renderPrompt(chosen, query, template), selector };
}
