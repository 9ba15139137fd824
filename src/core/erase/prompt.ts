/**
 * Rendering an ERASE prompt: an instruction, the selected examples (input → output) and the
 * query. Every rendered prompt carries the ids it used (provenance: "which completions used
 * example x?" must have an answer).
 */

export interface PromptTemplate {
  /** Text before the examples; may be empty. */
  readonly instruction: string;
  /** One example; `{input}` and `{output}` are replaced. */
  readonly example: string;
  /** The query; `{query}` is replaced. */
  readonly query: string;
  /** Between blocks. */
  readonly separator: string;
}

export const DEFAULT_TEMPLATE: PromptTemplate = {
  instruction: 'Answer in the style of the examples.',
  example: 'Input: {input}\nOutput: {output}',
  query: 'Input: {query}\nOutput:',
  separator: '\n\n',
};

export interface PromptExample {
  readonly id: string;
  readonly input: string;
  readonly output: string;
}

export interface RenderedPrompt {
  readonly text: string;
  /** Ids of the examples in the prompt, in the order they appear. */
  readonly ids: readonly string[];
  /** Rough size of the added context: whitespace-separated tokens of the example blocks. */
  readonly exampleTokens: number;
}

/** Replaces `{name}` placeholders in one pass, so text that itself contains `{query}` is left alone. */
export function fillPlaceholders(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole));
}

export function renderPrompt(examples: readonly PromptExample[], query: string | undefined, template: PromptTemplate = DEFAULT_TEMPLATE): RenderedPrompt {
  const blocks: string[] = [];
  if (template.instruction) blocks.push(template.instruction);
  let exampleTokens = 0;
  for (const ex of examples) {
    const block = fillPlaceholders(template.example, { input: ex.input, output: ex.output });
    exampleTokens += countTokens(block);
    blocks.push(block);
  }
  if (query !== undefined) blocks.push(fillPlaceholders(template.query, { query }));
  return { text: blocks.join(template.separator), ids: examples.map((e) => e.id), exampleTokens };
}

function countTokens(s: string): number {
  const m = s.match(/\S+/g);
  return m ? m.length : 0;
}
