/**
 * Rendering an ERASE prompt: the template's instruction, the selected examples (input → output)
 * and the query. Every rendered prompt carries the ids it used (provenance: "which completions
 * used example x?" must have an answer) and the version of the template that shaped its text.
 */
import { UserError } from '../errors';
import { DEFAULT_TEMPLATE, describeIssue, fillField, templateIssues, templateVersion, type PromptTemplate } from '../prompt/template';

export { DEFAULT_TEMPLATE, type PromptTemplate } from '../prompt/template';

export interface PromptExample {
  readonly id: string;
  readonly input: string;
  readonly output: string;
}

export interface RenderedPrompt {
  readonly text: string;
  /** The template's system prompt; empty: the model's own. */
  readonly system: string;
  /** Ids of the examples in the prompt, in the order they appear. */
  readonly ids: readonly string[];
  /** Rough size of the added context: whitespace-separated tokens of the example blocks. */
  readonly exampleTokens: number;
  /** templateVersion() of the template used. */
  readonly templateVersion: string;
}

/** Throws a one-line UserError for the first problem of the template (with how many more there are). */
export function checkTemplate(template: PromptTemplate): void {
  const issues = templateIssues(template);
  if (issues.length === 0) return;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem(s))` : '';
  throw new UserError(`the prompt template is invalid: ${describeIssue(issues[0])}${more}; fix it in the playground or in .erase/config.json ("template")`, 'input');
}

export function renderPrompt(examples: readonly PromptExample[], query: string | undefined, template: PromptTemplate = DEFAULT_TEMPLATE): RenderedPrompt {
  checkTemplate(template);
  const blocks: string[] = [];
  const instruction = fillField(template, 'instruction', {});
  if (instruction) blocks.push(instruction);
  let exampleTokens = 0;
  for (const ex of examples) {
    const block = fillField(template, 'example', { input: ex.input, output: ex.output });
    exampleTokens += countTokens(block);
    blocks.push(block);
  }
  if (query !== undefined) blocks.push(fillField(template, 'query', { query }));
  return {
    text: blocks.join(fillField(template, 'separator', {})),
    system: fillField(template, 'system', {}),
    ids: examples.map((e) => e.id),
    exampleTokens,
    templateVersion: templateVersion(template),
  };
}

function countTokens(s: string): number {
  const m = s.match(/\S+/g);
  return m ? m.length : 0;
}
