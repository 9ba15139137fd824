/**
 * The prompt template: every piece of text the product sends around the examples, visible and
 * editable by the user. Placeholders are `{name}`; `{{` and `}}` stand for literal braces; an
 * unknown placeholder or a lone brace is an error naming its field, line and column (a typo must
 * not reach the model as literal text).
 *
 * The template shapes only the text sent to the model, never the clustered state: the state hash
 * and the prompt's example ids do not depend on it.
 */
import { canonicalJson, sha256Hex } from '../hash';

/** Format of the stored template; a stored template without it is the older, lenient format and is migrated. */
export const TEMPLATE_FORMAT = 1;

export interface PromptTemplate {
  readonly format: typeof TEMPLATE_FORMAT;
  /** System prompt (chat: a system message; generate: Ollama's `system` field). Empty: the model's own. */
  readonly system: string;
  /** Text before the examples; may be empty. */
  readonly instruction: string;
  /** One example: `{input}` and `{output}`. */
  readonly example: string;
  /** The query: `{query}`. */
  readonly query: string;
  /** Between blocks (instruction, each example, the query). */
  readonly separator: string;
}

export type TemplateField = Exclude<keyof PromptTemplate, 'format'>;
export const TEMPLATE_FIELDS: readonly TemplateField[] = ['system', 'instruction', 'example', 'query', 'separator'];

/** The placeholders each field takes; each listed one is also required (an example without its output teaches nothing). */
export const PLACEHOLDERS: Readonly<Record<TemplateField, readonly string[]>> = {
  system: [],
  instruction: [],
  example: ['input', 'output'],
  query: ['query'],
  separator: [],
};

const FIELD_NAMES: Readonly<Record<TemplateField, string>> = {
  system: 'system prompt',
  instruction: 'instruction',
  example: 'example format',
  query: 'query format',
  separator: 'separator',
};

export const DEFAULT_TEMPLATE: PromptTemplate = {
  format: TEMPLATE_FORMAT,
  system: '',
  instruction: 'Answer in the style of the examples.',
  example: 'Input: {input}\nOutput: {output}',
  query: 'Input: {query}\nOutput:',
  separator: '\n\n',
};

export interface TemplateIssue {
  readonly field: TemplateField;
  /** 1-based line and column of the offending text in that field; offset is 0-based. */
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly message: string;
}

type Segment = string | { readonly name: string };

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** Splits one field into literal text and placeholders, collecting every problem. */
function parseField(field: TemplateField, text: string): { segments: Segment[]; issues: TemplateIssue[] } {
  const segments: Segment[] = [];
  const issues: TemplateIssue[] = [];
  const allowed = PLACEHOLDERS[field];
  const issue = (offset: number, message: string) => issues.push({ field, offset, ...position(text, offset), message });
  let literal = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '{' && text[i + 1] === '{') {
      literal += '{';
      i += 2;
    } else if (c === '}' && text[i + 1] === '}') {
      literal += '}';
      i += 2;
    } else if (c === '{') {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(i));
      if (!m) {
        issue(i, `a lone "{" (write {{ for a literal brace)`);
        literal += c;
        i++;
        continue;
      }
      if (!allowed.includes(m[1])) {
        const hint = allowed.length ? `the ${FIELD_NAMES[field]} takes ${allowed.map((a) => `{${a}}`).join(' and ')}` : `the ${FIELD_NAMES[field]} takes no placeholder`;
        issue(i, `unknown placeholder {${m[1]}}: ${hint} (write {{ and }} for literal braces)`);
      }
      if (literal) segments.push(literal);
      literal = '';
      segments.push({ name: m[1] });
      i += m[0].length;
    } else if (c === '}') {
      issue(i, `a lone "}" (write }} for a literal brace)`);
      literal += c;
      i++;
    } else {
      literal += c;
      i++;
    }
  }
  if (literal) segments.push(literal);
  for (const name of allowed) {
    if (!segments.some((s) => typeof s !== 'string' && s.name === name)) issue(text.length, `the ${FIELD_NAMES[field]} must contain {${name}}`);
  }
  return { segments, issues };
}

/** Every problem of a template (empty when it is valid), in field order. */
export function templateIssues(t: PromptTemplate): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  for (const f of TEMPLATE_FIELDS) {
    if (typeof t[f] !== 'string') issues.push({ field: f, line: 1, column: 1, offset: 0, message: `the ${FIELD_NAMES[f]} must be text` });
    else issues.push(...parseField(f, t[f]).issues);
  }
  return issues;
}

/** One line per problem: `example format, line 2, column 9: unknown placeholder {inptu}: …`. */
export function describeIssue(i: TemplateIssue): string {
  return `${FIELD_NAMES[i.field]}, line ${i.line}, column ${i.column}: ${i.message}`;
}

/** Fills one field; the values are inserted as they are (a value that itself contains `{query}` stays literal). */
export function fillField(t: PromptTemplate, field: TemplateField, values: Readonly<Record<string, string>>): string {
  const { segments, issues } = parseField(field, t[field]);
  if (issues.length) throw new TypeError(`invalid template (${describeIssue(issues[0])})`); // callers validate first
  return segments.map((s) => (typeof s === 'string' ? s : values[s.name])).join('');
}

/** A short, stable id of the template's content: completions record which template produced their prompt. */
export function templateVersion(t: PromptTemplate): string {
  return sha256Hex(canonicalJson({ format: t.format, system: t.system, instruction: t.instruction, example: t.example, query: t.query, separator: t.separator })).slice(0, 16);
}

/**
 * A template as stored in `.erase/config.json`. The older format (no `format` key) filled known
 * placeholders and left everything else literal, so its unknown `{name}` and lone braces are
 * escaped here: the migrated template renders exactly the same text. Missing fields take defaults.
 */
export function migrateTemplate(raw: unknown): PromptTemplate {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const legacy = r.format === undefined;
  const out: Record<string, unknown> = { format: TEMPLATE_FORMAT };
  for (const f of TEMPLATE_FIELDS) {
    const v = r[f] ?? DEFAULT_TEMPLATE[f];
    out[f] = legacy && typeof v === 'string' && r[f] !== undefined ? escapeLegacy(f, v) : v;
  }
  if (!legacy) out.format = r.format;
  return out as unknown as PromptTemplate;
}

function escapeLegacy(field: TemplateField, text: string): string {
  return text.replace(/\{(\w+)\}|[{}]/g, (whole, name: string | undefined) => {
    if (name !== undefined && PLACEHOLDERS[field].includes(name)) return whole;
    return whole.replace(/[{}]/g, (b) => b + b);
  });
}
