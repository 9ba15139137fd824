export { DEFAULT_TEMPLATE, PLACEHOLDERS, TEMPLATE_FIELDS, TEMPLATE_FORMAT, describeIssue, migrateTemplate, templateIssues, templateVersion } from './template';
export type { PromptTemplate, TemplateField, TemplateIssue } from './template';
export { completePrompt, promptBudget } from './complete';
export type { PromptCompletion, PromptCompletionRequest } from './complete';
export { PROMPT_SELECTORS, selectorPrompt } from './selectorPrompts';
export type { PromptSelector, SelectorPrompt } from './selectorPrompts';
export { promptSettings, savePromptSettings } from './settings';
export type { PromptSettings } from './settings';
