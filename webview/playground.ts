// Prompt playground: the whole prompt as it will be sent (editable template and model options,
// its size estimated before and counted by the server after), and one query answered with the
// prompts of several selectors side by side (ERASE, k nearest, random, none), each column streamed
// and cancelled on its own, with the ids of the examples its prompt used.
import { PROMPT_SELECTOR_VIEWS, type PromptSelectorView, type PromptView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { PromptEditor } from './promptEditor';
import { command, on, request } from './rpc';

const TITLES: Record<PromptSelectorView, string> = { erase: 'ERASE', knn: 'k nearest', random: 'Random', zeroShot: 'No examples' };

interface Column {
  readonly selector: PromptSelectorView;
  readonly el: HTMLElement;
  readonly enabled: HTMLInputElement;
  readonly out: HTMLElement;
  readonly thinking: HTMLElement;
  readonly state: HTMLElement;
  readonly tokens: HTMLElement;
  readonly warning: HTMLElement;
  readonly ids: HTMLElement;
  readonly cancel: HTMLElement;
  streamId?: string;
  estimate?: number;
}

export class Playground {
  private readonly columns = new Map<PromptSelectorView, Column>();
  private readonly byStream = new Map<string, Column>();
  private seq = 0;
  private previewSeq = 0;
  private previewTimer: ReturnType<typeof setTimeout> | undefined;
  private settingsLoaded = false;
  private readonly query = h('vscode-textarea', { id: 'pg-query', placeholder: 'Query, e.g. "a charming but slight comedy"', rows: 3 }) as HTMLTextAreaElement;
  private readonly model = h('vscode-single-select', { id: 'pg-model' }) as HTMLSelectElement;
  private readonly run = h('vscode-button', { id: 'pg-run' }, 'Run');
  private readonly cancelAll = h('vscode-button', { id: 'pg-cancel', secondary: true, disabled: true }, 'Cancel all');
  private readonly error = h('div', { id: 'pg-error', class: 'error', role: 'alert' });
  private readonly editor = new PromptEditor(() => this.edited());
  private readonly previewSelector = h(
    'select',
    { id: 'pg-preview-selector', class: 'plain-select', 'aria-label': 'Prompt of' },
    ...PROMPT_SELECTOR_VIEWS.map((s) => h('option', { value: s }, TITLES[s])),
  ) as HTMLSelectElement;
  private readonly prompt = h('pre', { id: 'pg-prompt', class: 'prompt', 'data-state': 'empty' });
  private readonly promptTokens = h('span', { id: 'pg-tokens', class: 'muted' });
  private readonly promptWarning = h('div', { id: 'pg-ctx-warning', class: 'warning' });

  constructor(root: HTMLElement) {
    const grid = h('div', { class: 'columns', id: 'pg-columns' });
    const toggles = h('div', { class: 'toolbar', id: 'pg-selectors' }, h('span', { class: 'muted' }, 'Columns:'));
    for (const selector of PROMPT_SELECTOR_VIEWS) {
      const col = this.column(selector);
      this.columns.set(selector, col);
      grid.append(col.el);
      toggles.append(h('label', {}, col.enabled, ` ${TITLES[selector]}`));
    }
    root.append(
      h('div', { class: 'row' }, h('label', { for: 'pg-model' }, 'Model'), this.model, h('vscode-button', { id: 'pg-models-refresh', secondary: true }, 'Refresh models')),
      this.query,
      this.editor.el,
      h('section', { class: 'prompt-preview' }, h('h3', {}, 'Prompt as it will be sent ', this.previewSelector, ' ', this.promptTokens), this.promptWarning, this.prompt),
      toggles,
      h('div', { class: 'toolbar' }, this.run, this.cancelAll),
      this.error,
      grid,
    );
    this.run.addEventListener('click', () => void this.start());
    this.cancelAll.addEventListener('click', () => {
      for (const id of this.byStream.keys()) command('cancelCompletion', { streamId: id });
    });
    this.editor.save.addEventListener('click', () => void this.saveSettings());
    this.query.addEventListener('input', () => this.schedulePreview());
    this.previewSelector.addEventListener('change', () => this.schedulePreview());
    root.querySelector('#pg-models-refresh')?.addEventListener('click', () => void this.loadModels());
    on('completionChunk', (p) => {
      const c = this.byStream.get(p.streamId);
      if (c) (p.thinking ? c.thinking : c.out).append(document.createTextNode(p.text)); // text node: model output is never markup
    });
    on('completionEnd', (p) => {
      const c = this.byStream.get(p.streamId);
      if (!c) return;
      this.byStream.delete(p.streamId);
      c.streamId = undefined;
      c.cancel.setAttribute('disabled', '');
      const state = p.cancelled ? 'cancelled' : p.error ? 'failed' : 'done';
      c.state.textContent = `(${state})`;
      c.out.dataset.state = state;
      c.el.dataset.state = state;
      if (p.error) this.error.textContent = `${TITLES[c.selector]}: ${p.error}`;
      if (p.promptEvalCount !== undefined) {
        c.tokens.textContent = `${p.promptEvalCount} prompt tokens (counted by the server) · ≈ ${c.estimate ?? '?'} estimated`;
        c.tokens.dataset.promptEvalCount = String(p.promptEvalCount);
        if (c.selector === this.previewSelector.value) this.promptTokens.textContent = `${p.promptEvalCount} tokens (prompt_eval_count of the last run)`;
      }
      c.warning.textContent = p.contextWarning ?? '';
      if (!this.byStream.size) {
        this.run.removeAttribute('disabled');
        this.cancelAll.setAttribute('disabled', '');
      }
    });
  }

  private column(selector: PromptSelectorView): Column {
    const enabled = h('input', { type: 'checkbox', id: `pg-col-${selector}`, checked: true }) as HTMLInputElement;
    const out = h('pre', { id: `pg-out-${selector}`, class: 'answer', 'aria-live': 'polite' });
    const thinking = h('pre', { id: `pg-think-${selector}`, class: 'thinking muted' });
    const state = h('span', { id: `pg-state-${selector}`, class: 'muted' });
    const tokens = h('div', { id: `pg-tokens-${selector}`, class: 'muted' });
    const warning = h('div', { id: `pg-warning-${selector}`, class: 'warning' });
    const ids = h('ul', { id: `pg-ids-${selector}`, class: 'id-list', 'data-count': '0' });
    const cancel = h('vscode-button', { id: `pg-cancel-${selector}`, secondary: true, disabled: true }, 'Cancel');
    const el = h(
      'section',
      { class: 'column', 'data-selector': selector },
      h('h3', {}, `${TITLES[selector]} `, state, ' ', cancel),
      thinking,
      out,
      tokens,
      warning,
      h('h4', {}, 'Examples in the prompt'),
      ids,
    );
    const col: Column = { selector, el, enabled, out, thinking, state, tokens, warning, ids, cancel };
    cancel.addEventListener('click', () => {
      if (col.streamId) command('cancelCompletion', { streamId: col.streamId });
    });
    enabled.addEventListener('change', () => el.toggleAttribute('hidden', !enabled.checked));
    return col;
  }

  /**
   * After an erasure: a column whose prompt used an erased example holds text about it (its
   * answer, its id list): it goes; the prompt preview is rendered again (the query is kept: the
   * user typed it).
   */
  forget(erased: ReadonlySet<string>): void {
    for (const c of this.columns.values()) {
      const used = [...c.ids.querySelectorAll<HTMLElement>('li')].some((li) => erased.has(li.dataset.id ?? ''));
      if (!used) continue;
      if (c.streamId) command('cancelCompletion', { streamId: c.streamId });
      replaceChildren(c.ids);
      replaceChildren(c.out);
      replaceChildren(c.thinking);
      c.tokens.textContent = '';
      c.state.textContent = '(cleared: it used an erased example)';
      c.ids.dataset.count = '0';
    }
    replaceChildren(this.prompt);
    this.schedulePreview(0);
  }

  async loadModels(): Promise<void> {
    if (!this.settingsLoaded) void this.loadSettings();
    try {
      const r = await request('listModels', {});
      replaceChildren(this.model, ...r.models.map((m) => h('vscode-option', { value: m, selected: m === r.selected || m === `${r.selected}:latest` }, m)));
      this.model.dataset.count = String(r.models.length);
      this.error.textContent = '';
    } catch (e) {
      this.error.textContent = (e as Error).message;
    }
  }

  private async loadSettings(): Promise<void> {
    try {
      this.editor.set(await request('getPromptSettings', {}));
      this.settingsLoaded = true;
      this.schedulePreview(0);
    } catch (e) {
      this.error.textContent = (e as Error).message;
    }
  }

  private edited(): void {
    this.editor.markUnsaved();
    this.schedulePreview();
  }

  private schedulePreview(ms = 250): void {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => void this.preview(), ms);
  }

  /** Renders the draft as it would be sent (nothing saved), or lists its problems. */
  private async preview(): Promise<void> {
    const seq = ++this.previewSeq;
    const { generation, notNumbers } = this.editor.generation();
    try {
      const r = await request('previewPrompt', {
        query: this.query.value ?? '',
        selector: this.previewSelector.value as PromptSelectorView,
        template: this.editor.template(),
        generation,
      });
      if (seq !== this.previewSeq) return; // a newer edit is on its way
      this.editor.showIssues(r.issues, [...notNumbers, ...r.optionIssues]);
      if (r.prompt) this.showPrompt(r.prompt);
      else this.prompt.dataset.state = 'invalid';
    } catch (e) {
      if (seq === this.previewSeq) this.prompt.dataset.state = 'failed';
      this.error.textContent = (e as Error).message;
    }
  }

  private showPrompt(p: PromptView): void {
    replaceChildren(this.prompt, ...(p.system ? [h('span', { class: 'system' }, `[system] ${p.system}`), '\n\n'] : []), p.text);
    this.prompt.dataset.state = 'ready';
    this.prompt.dataset.version = p.templateVersion;
    this.promptTokens.textContent = `≈ ${p.estimatedTokens} tokens (estimate before sending)`;
    this.promptTokens.dataset.estimate = String(p.estimatedTokens);
    this.promptWarning.textContent = p.contextWarning ?? '';
  }

  private async saveSettings(): Promise<void> {
    const { generation, notNumbers } = this.editor.generation();
    if (notNumbers.length) return this.editor.saveFailed(notNumbers[0]);
    try {
      this.editor.saved(await request('savePromptSettings', { template: this.editor.template(), generation }));
      this.schedulePreview(0);
    } catch (e) {
      this.editor.saveFailed((e as Error).message);
    }
  }

  private async start(): Promise<void> {
    this.error.textContent = '';
    const model = this.model.value;
    if (!model) {
      this.error.textContent = 'Pick a model first (is Ollama running?)';
      return;
    }
    const query = this.query.value ?? '';
    const chosen = [...this.columns.values()].filter((c) => c.enabled.checked);
    if (!chosen.length) {
      this.error.textContent = 'Choose at least one column';
      return;
    }
    this.run.setAttribute('disabled', '');
    this.cancelAll.removeAttribute('disabled');
    // All columns start at once; each has its own stream id, so each can be cancelled alone.
    await Promise.all(
      chosen.map(async (c) => {
        const streamId = `s${++this.seq}`;
        for (const el of [c.out, c.thinking, c.ids]) replaceChildren(el);
        c.tokens.textContent = '';
        c.warning.textContent = '';
        c.out.dataset.state = 'streaming';
        c.el.dataset.state = 'streaming';
        c.state.textContent = '(streaming…)';
        c.streamId = streamId;
        this.byStream.set(streamId, c);
        c.cancel.removeAttribute('disabled');
        try {
          const r = await request('complete', { streamId, query, model, selector: c.selector });
          replaceChildren(c.ids, ...r.ids.map((id) => h('li', { 'data-id': id }, id)));
          c.ids.dataset.count = String(r.ids.length);
          c.estimate = r.prompt.estimatedTokens;
          if (c.out.dataset.state === 'streaming') c.tokens.textContent = `≈ ${r.prompt.estimatedTokens} prompt tokens (estimate)`;
          if (r.prompt.contextWarning && !c.warning.textContent) c.warning.textContent = r.prompt.contextWarning;
        } catch (e) {
          this.byStream.delete(streamId);
          c.streamId = undefined;
          c.cancel.setAttribute('disabled', '');
          c.out.dataset.state = 'failed';
          c.el.dataset.state = 'failed';
          c.state.textContent = '(failed)';
          this.error.textContent = (e as Error).message;
        }
      }),
    );
    if (!this.byStream.size) {
      this.run.removeAttribute('disabled');
      this.cancelAll.setAttribute('disabled', '');
    }
  }
}
