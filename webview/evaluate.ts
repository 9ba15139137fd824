// The Evaluate tab: does the ERASE prompt help? Pick a held-out file or a split, seeds and a limit,
// run (the host calls core's evaluation against the configured Ollama model, with progress and
// cancel), then the chart — accuracy per selector with 95% interval whiskers, drawn as SVG with DOM
// calls — and the table. Figures only: no example text reaches this tab.
import type { EvalView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { command, on, request } from './rpc';
import { evalChart } from './svg';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export class Evaluate {
  private readonly source = h(
    'select',
    { id: 'ev-source', class: 'plain-select' },
    h('option', { value: 'split' }, 'hold out a seeded split of the data set'),
    h('option', { value: 'heldout' }, 'a labelled held-out file'),
  ) as HTMLSelectElement;
  private readonly split = h('input', { id: 'ev-split', type: 'number', class: 'plain-input', value: '0.2', title: 'fraction held out' }) as HTMLInputElement;
  private readonly fileName = h('span', { id: 'ev-file', class: 'muted' }, 'no file picked');
  private readonly seeds = h('input', { id: 'ev-seeds', type: 'number', class: 'plain-input', value: '3', title: 'seeds for random and balanced' }) as HTMLInputElement;
  private readonly limit = h('input', {
    id: 'ev-limit',
    type: 'number',
    class: 'plain-input',
    value: '50',
    title: 'at most this many held-out queries (empty: all)',
  }) as HTMLInputElement;
  private readonly runButton = h('vscode-button', { id: 'ev-run' }, 'Run evaluation');
  private readonly cancelButton = h('vscode-button', { id: 'ev-cancel', secondary: true, disabled: true }, 'Cancel');
  private readonly progress = h('progress', { id: 'ev-progress', class: 'ev-progress', value: '0' }) as HTMLProgressElement;
  private readonly progressText = h('span', { id: 'ev-progress-text', class: 'muted' });
  private readonly error = h('div', { id: 'ev-error', class: 'error', role: 'alert' });
  private readonly summary = h('p', { id: 'ev-summary', class: 'muted' });
  private readonly chart = h('div', { id: 'ev-chart', class: 'ev-chart', 'data-state': 'empty' });
  private readonly table = h('table', { id: 'ev-table', class: 'grid' });
  private runId: string | null = null;
  private nextRun = 1;

  constructor(root: HTMLElement) {
    const pick = h('vscode-button', { id: 'ev-pick', secondary: true }, 'Pick held-out file…');
    pick.addEventListener('click', () => void this.pick());
    this.runButton.addEventListener('click', () => void this.run());
    this.cancelButton.addEventListener('click', () => {
      if (this.runId) command('cancelEval', { runId: this.runId });
    });
    this.source.addEventListener('change', () => this.showSource());
    on('evalProgress', (p) => {
      if (p.runId !== this.runId) return;
      this.progress.max = p.total;
      this.progress.value = p.done;
      this.progressText.textContent = `${p.done}/${p.total} model calls`;
    });
    root.append(
      h('h3', {}, 'Does the ERASE prompt help?'),
      h(
        'p',
        { class: 'muted' },
        'Held-out, labelled queries are answered by the Ollama model (erase.ollamaModel) with the ERASE prompt and with random, label-balanced, k-nearest and zero-shot prompts.',
      ),
      h(
        'div',
        { class: 'form' },
        h('div', { class: 'row' }, h('label', { for: 'ev-source' }, 'Held-out set'), this.source),
        h('div', { class: 'row', id: 'ev-split-row' }, h('label', { for: 'ev-split' }, 'Fraction held out'), this.split),
        h('div', { class: 'row', id: 'ev-file-row' }, pick, this.fileName),
        h('div', { class: 'row' }, h('label', { for: 'ev-seeds' }, 'Seeds'), this.seeds, h('label', { for: 'ev-limit' }, 'Limit'), this.limit),
      ),
      h('div', { class: 'toolbar' }, this.runButton, this.cancelButton, this.progress, this.progressText),
      this.error,
      this.summary,
      this.chart,
      this.table,
    );
    this.showSource();
  }

  private showSource(): void {
    const heldout = this.source.value === 'heldout';
    document.getElementById('ev-split-row')?.classList.toggle('hidden', heldout);
    document.getElementById('ev-file-row')?.classList.toggle('hidden', !heldout);
  }

  private async pick(): Promise<void> {
    try {
      const r = await request('pickHeldoutFile', {});
      this.fileName.textContent = r.name ?? 'no file picked';
    } catch (e) {
      this.error.textContent = (e as Error).message;
    }
  }

  private async run(): Promise<void> {
    if (this.runId) return;
    this.error.textContent = '';
    const heldout = this.source.value === 'heldout';
    const split = Number(this.split.value);
    const seeds = Number(this.seeds.value);
    const limitText = this.limit.value.trim();
    const limit = limitText ? Number(limitText) : undefined;
    if (!heldout && !(split > 0 && split < 1)) return void (this.error.textContent = 'The fraction held out is between 0 and 1, e.g. 0.2.');
    if (!Number.isInteger(seeds) || seeds < 1 || seeds > 20) return void (this.error.textContent = 'Seeds: a whole number from 1 to 20.');
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) return void (this.error.textContent = 'Limit: a whole number of queries, or empty for all.');
    const runId = `eval-${this.nextRun++}`;
    this.runId = runId;
    this.runButton.setAttribute('disabled', '');
    this.cancelButton.removeAttribute('disabled');
    this.progress.removeAttribute('value');
    this.progressText.textContent = 'preparing…';
    this.chart.dataset.state = 'running';
    try {
      const view = await request('runEval', { runId, seeds, limit, ...(heldout ? { heldout: true } : { split }) });
      this.show(view);
      this.progressText.textContent = 'done';
    } catch (e) {
      const msg = (e as Error).message;
      this.error.textContent = /cancelled/i.test(msg) ? 'Cancelled: nothing is kept.' : msg;
      this.chart.dataset.state = /cancelled/i.test(msg) ? 'cancelled' : 'failed';
      this.progressText.textContent = '';
    } finally {
      this.runId = null;
      this.runButton.removeAttribute('disabled');
      this.cancelButton.setAttribute('disabled', '');
    }
  }

  private show(v: EvalView): void {
    this.summary.textContent = `Model ${v.model}: ${v.n} held-out queries, a pool of ${v.poolSize} examples, labels ${v.labels.join(', ')}; random and balanced over ${v.seeds} seed(s).`;
    replaceChildren(this.chart, evalChart(v.chart));
    this.chart.dataset.state = 'done';
    replaceChildren(
      this.table,
      h('tr', {}, ...['Selector', 'Accuracy', '95% CI', 'n', 'Prompt tokens', 'vs zero-shot', 'ms/query'].map((t) => h('th', {}, t))),
      ...v.rows.map((r) =>
        h(
          'tr',
          { 'data-selector': r.selector },
          h('td', {}, r.label),
          h('td', {}, pct(r.accuracy)),
          h('td', {}, `${pct(r.ci95[0])}–${pct(r.ci95[1])}`),
          h('td', {}, String(r.n)),
          h('td', {}, r.promptTokens.toFixed(0)),
          h('td', {}, `${r.promptTokensOverZeroShot >= 0 ? '+' : ''}${r.promptTokensOverZeroShot.toFixed(0)}`),
          h('td', {}, r.msPerQuery.toFixed(0)),
        ),
      ),
    );
    this.table.dataset.count = String(v.rows.length);
  }
}
