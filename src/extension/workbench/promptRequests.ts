// The playground's prompt requests: the template and model options of the workspace, a preview of
// a draft (as it would be sent, or its problems), saving, and the prompt of each selector. Core
// does the work; this maps it to the protocol's views.
import {
  checkGeneration,
  generationIssues,
  promptBudget,
  promptSettings,
  savePromptSettings,
  selectorPrompt,
  templateIssues,
  templateVersion,
  type EraseWorkspace,
  type GenerationSettings,
  type PromptSelector,
  type PromptTemplate,
  type SelectorPrompt,
} from '../../core';
import type { GenerationView, PromptSettingsView, PromptView, TemplateView } from '../../shared/protocol';

export function settingsView(ws: EraseWorkspace): PromptSettingsView {
  const { template, generation } = promptSettings(ws);
  return { template: { ...template }, generation: { ...generation }, templateVersion: templateVersion(template) };
}

export function promptView(p: SelectorPrompt, generation: GenerationSettings): PromptView {
  const budget = promptBudget(p, generation);
  return {
    selector: p.selector,
    text: p.text,
    system: p.system,
    ids: [...p.ids],
    templateVersion: p.templateVersion,
    estimatedTokens: budget.estimatedTokens,
    ...(budget.warning ? { contextWarning: budget.warning } : {}),
  };
}

/** A draft is rendered with a workspace whose config carries it for this call only: nothing is saved. */
async function withDraft<T>(ws: EraseWorkspace, template: PromptTemplate, fn: () => Promise<T>): Promise<T> {
  const saved = ws.config;
  ws.config = { ...saved, template };
  try {
    return await fn();
  } finally {
    ws.config = saved;
  }
}

export async function previewPrompt(ws: EraseWorkspace, p: { query: string; selector: PromptSelector; template: TemplateView; generation: GenerationView }) {
  const issues = templateIssues(p.template).map((i) => ({ field: i.field, line: i.line, column: i.column, message: i.message }));
  const optionIssues = generationIssues(p.generation);
  if (issues.length) return { issues, optionIssues };
  const prompt = await withDraft(ws, p.template, () => selectorPrompt(ws, p.selector, p.query));
  return { issues, optionIssues, prompt: promptView(prompt, optionIssues.length ? ws.config.generation : p.generation) };
}

export function savePromptView(ws: EraseWorkspace, p: { template: TemplateView; generation: GenerationView }): PromptSettingsView {
  checkGeneration(p.generation);
  savePromptSettings(ws, { template: p.template, generation: p.generation });
  return settingsView(ws);
}
