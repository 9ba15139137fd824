/**
 * Saving the prompt template and the model options of a workspace (`.erase/config.json`). They
 * shape what is sent to the model, not the clustered state: saving them changes no state hash and
 * needs no re-clustering.
 */
import { checkTemplate } from '../erase/prompt';
import { checkGeneration, type GenerationSettings } from '../ollama/generation';
import { writeConfig } from '../workspace/config';
import type { EraseWorkspace } from '../workspace/workspace';
import type { PromptTemplate } from './template';

export interface PromptSettings {
  readonly template: PromptTemplate;
  readonly generation: GenerationSettings;
}

export function promptSettings(ws: EraseWorkspace): PromptSettings {
  return { template: ws.config.template, generation: ws.config.generation };
}

/** Validates (one-line UserError naming the field, line and column) and writes atomically; nothing is written when invalid. */
export function savePromptSettings(ws: EraseWorkspace, changes: Partial<PromptSettings>): PromptSettings {
  const template = changes.template ?? ws.config.template;
  const generation = changes.generation ?? ws.config.generation;
  checkTemplate(template);
  checkGeneration(generation);
  const next = { ...ws.config, template, generation };
  writeConfig(ws.paths, next);
  ws.config = next;
  return { template, generation };
}
