// The prompt template and model options, edited in place: every field of the template, the
// options of the model, the problems of the draft (field, line, column) and a Save button that
// writes them to the workspace configuration (.erase/config.json).
import type { GenerationView, PromptSettingsView, TemplateIssueView, TemplateView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';

const FIELDS = [
  ['system', 'System prompt (chat models; empty: the model’s own)', 2],
  ['instruction', 'Instruction', 2],
  ['example', 'Example format — {input} {output}', 2],
  ['query', 'Query format — {query}', 2],
] as const;
const FIELD_LABEL: Record<TemplateIssueView['field'], string> = {
  system: 'System prompt',
  instruction: 'Instruction',
  example: 'Example format',
  query: 'Query format',
  separator: 'Separator',
};
const NUMBERS = [
  ['temperature', 'Temperature', '0..2'],
  ['topP', 'Top-p', '0..1'],
  ['seed', 'Seed', 'random'],
  ['numCtx', 'Context (num_ctx)', 'server default'],
  ['numPredict', 'Max tokens', 'no limit'],
] as const;
type NumberKey = (typeof NUMBERS)[number][0];

/** The separator is shown with escapes (`\n\n`), since blank lines are invisible in a field. */
const escapeText = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
const unescapeText = (s: string) => s.replace(/\\(\\|n|t)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));

export class PromptEditor {
  readonly el: HTMLElement;
  private readonly inputs = new Map<string, HTMLInputElement>();
  private readonly api = h(
    'select',
    { id: 'pg-opt-api', class: 'plain-select' },
    h('option', { value: 'generate' }, 'generate'),
    h('option', { value: 'chat' }, 'chat'),
  ) as HTMLSelectElement;
  private readonly think = h(
    'select',
    { id: 'pg-opt-think', class: 'plain-select' },
    h('option', { value: 'off' }, 'off'),
    h('option', { value: 'on' }, 'on (shown apart)'),
  ) as HTMLSelectElement;
  private readonly issues = h('ul', { id: 'pg-template-errors', class: 'error', 'data-count': '0' });
  private readonly saveState = h('span', { id: 'pg-save-state', class: 'muted' });
  readonly save = h('vscode-button', { id: 'pg-save' }, 'Save to workspace');

  constructor(private readonly onChange: () => void) {
    const field = (id: string, label: string, rows: number) => {
      const input = h('vscode-textarea', { id: `pg-tpl-${id}`, rows, 'aria-label': label }) as HTMLInputElement;
      this.inputs.set(id, input);
      input.addEventListener('input', () => this.onChange());
      return h('label', { class: 'field' }, h('span', { class: 'muted' }, label), input);
    };
    const separator = h('vscode-textfield', { id: 'pg-tpl-separator', 'aria-label': 'Separator' }) as HTMLInputElement;
    this.inputs.set('separator', separator);
    separator.addEventListener('input', () => this.onChange());
    const numbers = NUMBERS.map(([key, label, placeholder]) => {
      const input = h('vscode-textfield', { id: `pg-opt-${key}`, placeholder, 'aria-label': label, class: 'num' }) as HTMLInputElement;
      this.inputs.set(key, input);
      input.addEventListener('input', () => this.onChange());
      return h('label', { class: 'opt' }, h('span', { class: 'muted' }, label), input);
    });
    for (const s of [this.api, this.think]) s.addEventListener('change', () => this.onChange());
    this.el = h(
      'details',
      { id: 'pg-editor', class: 'editor', open: true },
      h('summary', {}, 'Prompt template and model options'),
      h(
        'div',
        { class: 'editor-grid' },
        ...FIELDS.map(([id, label, rows]) => field(id, label, rows)),
        h('label', { class: 'field' }, h('span', { class: 'muted' }, 'Separator between blocks (\\n = new line); {{ and }} for literal braces'), separator),
      ),
      h(
        'div',
        { class: 'options' },
        h('label', { class: 'opt' }, h('span', { class: 'muted' }, 'API'), this.api),
        ...numbers,
        h('label', { class: 'opt' }, h('span', { class: 'muted' }, 'Thinking'), this.think),
      ),
      this.issues,
      h('div', { class: 'toolbar' }, this.save, this.saveState),
    );
  }

  set(s: PromptSettingsView): void {
    for (const [id] of FIELDS) this.inputs.get(id)!.value = s.template[id];
    this.inputs.get('separator')!.value = escapeText(s.template.separator);
    for (const [key] of NUMBERS) this.inputs.get(key)!.value = s.generation[key] === undefined ? '' : String(s.generation[key]);
    this.api.value = s.generation.api;
    this.think.value = s.generation.think ? 'on' : 'off';
    this.saveState.textContent = `saved · template version ${s.templateVersion}`;
    this.el.dataset.version = s.templateVersion;
  }

  template(): TemplateView {
    const v = (id: string) => this.inputs.get(id)!.value ?? '';
    return { format: 1, system: v('system'), instruction: v('instruction'), example: v('example'), query: v('query'), separator: unescapeText(v('separator')) };
  }

  /** The options, or the names of fields that are not numbers (checked here: the protocol takes numbers only). */
  generation(): { generation: GenerationView; notNumbers: string[] } {
    const notNumbers: string[] = [];
    const g: GenerationView = { api: this.api.value === 'chat' ? 'chat' : 'generate', think: this.think.value === 'on' };
    for (const [key, label] of NUMBERS) {
      const raw = (this.inputs.get(key)!.value ?? '').trim();
      if (raw === '') continue;
      const n = Number(raw);
      if (Number.isFinite(n)) g[key as NumberKey] = n;
      else notNumbers.push(`${label} must be a number, got "${raw}"`);
    }
    return { generation: g, notNumbers };
  }

  showIssues(issues: readonly TemplateIssueView[], optionIssues: readonly string[]): void {
    replaceChildren(
      this.issues,
      ...issues.map((i) => h('li', { 'data-field': i.field }, `${FIELD_LABEL[i.field]}, line ${i.line}, column ${i.column}: ${i.message}`)),
      ...optionIssues.map((m) => h('li', { 'data-field': 'options' }, m)),
    );
    this.issues.dataset.count = String(issues.length + optionIssues.length);
    for (const [id] of [...FIELDS, ['separator']] as const)
      this.inputs.get(id)!.toggleAttribute(
        'invalid',
        issues.some((i) => i.field === id),
      );
  }

  markUnsaved(): void {
    this.saveState.textContent = 'unsaved changes';
  }

  saved(s: PromptSettingsView): void {
    this.set(s);
    this.saveState.textContent = `saved to .erase/config.json · template version ${s.templateVersion}`;
  }

  saveFailed(message: string): void {
    this.saveState.textContent = `not saved: ${message}`;
  }
}
