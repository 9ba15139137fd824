// Prompt playground: query, model picker, the streamed answer with the ERASE prompt next to the
// answer without examples, cancel, and the ids of the examples the prompt used.
import { h, replaceChildren } from './dom';
import { command, on, request } from './rpc';

interface Stream {
  out: HTMLElement;
  state: HTMLElement;
}

export class Playground {
  private readonly streams = new Map<string, Stream>();
  private seq = 0;
  private readonly query = h('vscode-textarea', { id: 'pg-query', placeholder: 'Query, e.g. "a charming but slight comedy"', rows: 3 }) as HTMLTextAreaElement;
  private readonly model = h('vscode-single-select', { id: 'pg-model' }) as HTMLSelectElement;
  private readonly run = h('vscode-button', { id: 'pg-run' }, 'Run');
  private readonly cancel = h('vscode-button', { id: 'pg-cancel', secondary: true, disabled: true }, 'Cancel');
  private readonly ids = h('ul', { id: 'pg-ids', class: 'id-list' });
  private readonly withOut = h('pre', { id: 'pg-with', class: 'answer', 'aria-live': 'polite' });
  private readonly withoutOut = h('pre', { id: 'pg-without', class: 'answer' });
  private readonly withState = h('span', { id: 'pg-with-state', class: 'muted' });
  private readonly withoutState = h('span', { id: 'pg-without-state', class: 'muted' });
  private readonly error = h('div', { id: 'pg-error', class: 'error', role: 'alert' });

  constructor(root: HTMLElement) {
    root.append(
      h('div', { class: 'row' }, h('label', { for: 'pg-model' }, 'Model'), this.model, h('vscode-button', { id: 'pg-models-refresh', secondary: true }, 'Refresh models')),
      this.query,
      h('div', { class: 'toolbar' }, this.run, this.cancel),
      this.error,
      h(
        'div',
        { class: 'answers' },
        h('section', {}, h('h3', {}, 'With the ERASE prompt ', this.withState), this.withOut, h('h4', {}, 'Examples in the prompt'), this.ids),
        h('section', {}, h('h3', {}, 'Without examples ', this.withoutState), this.withoutOut),
      ),
    );
    this.run.addEventListener('click', () => void this.start());
    this.cancel.addEventListener('click', () => {
      for (const id of this.streams.keys()) command('cancelCompletion', { streamId: id });
    });
    root.querySelector('#pg-models-refresh')?.addEventListener('click', () => void this.loadModels());
    on('completionChunk', (p) => {
      const s = this.streams.get(p.streamId);
      if (s) s.out.append(document.createTextNode(p.text)); // text node: model output is never markup
    });
    on('completionEnd', (p) => {
      const s = this.streams.get(p.streamId);
      if (!s) return;
      this.streams.delete(p.streamId);
      s.state.textContent = p.cancelled ? '(cancelled)' : p.error ? '(failed)' : '(done)';
      s.out.dataset.state = p.cancelled ? 'cancelled' : p.error ? 'failed' : 'done';
      if (p.error) this.error.textContent = p.error;
      if (!this.streams.size) {
        this.run.removeAttribute('disabled');
        this.cancel.setAttribute('disabled', '');
      }
    });
  }

  /**
   * After an erasure: if the last prompt used an erased example, its answer and id list are
   * text about that example; both go (the query is kept: the user typed it).
   */
  forget(erased: ReadonlySet<string>): void {
    const used = [...this.ids.querySelectorAll<HTMLElement>('li')].some((li) => erased.has(li.dataset.id ?? ''));
    if (!used) return;
    for (const id of this.streams.keys()) command('cancelCompletion', { streamId: id });
    replaceChildren(this.ids);
    replaceChildren(this.withOut);
    replaceChildren(this.withoutOut);
    this.withState.textContent = '(cleared: it used an erased example)';
    this.withoutState.textContent = '';
    this.ids.dataset.count = '0';
  }

  async loadModels(): Promise<void> {
    try {
      const r = await request('listModels', {});
      replaceChildren(this.model, ...r.models.map((m) => h('vscode-option', { value: m, selected: m === r.selected || m === `${r.selected}:latest` }, m)));
      this.model.dataset.count = String(r.models.length);
      this.error.textContent = '';
    } catch (e) {
      this.error.textContent = (e as Error).message;
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
    this.run.setAttribute('disabled', '');
    this.cancel.removeAttribute('disabled');
    replaceChildren(this.ids);
    for (const [withExamples, out, state] of [
      [true, this.withOut, this.withState],
      [false, this.withoutOut, this.withoutState],
    ] as const) {
      const streamId = `s${++this.seq}`;
      replaceChildren(out);
      out.dataset.state = 'streaming';
      state.textContent = '(streaming…)';
      this.streams.set(streamId, { out, state });
      try {
        const r = await request('complete', { streamId, query, model, withExamples });
        if (withExamples) replaceChildren(this.ids, ...r.ids.map((id) => h('li', { 'data-id': id }, id)));
        this.ids.dataset.count = withExamples ? String(r.ids.length) : this.ids.dataset.count;
      } catch (e) {
        this.streams.delete(streamId);
        out.dataset.state = 'failed';
        state.textContent = '(failed)';
        this.error.textContent = (e as Error).message;
      }
    }
    if (!this.streams.size) {
      this.run.removeAttribute('disabled');
      this.cancel.setAttribute('disabled', '');
    }
  }
}
