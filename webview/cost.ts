// Unlearning cost: the total over a period of ICL with ERASE against fine-tuning (a retrain per
// deletion) and SISA. Every input is listed with its source (set by you, measured in this
// workspace, estimated, or an assumption to replace) and can be edited; the host computes the
// totals in core. Text goes in through textContent only.
import type { CostInputKey, CostInputView, CostMethodView, CostView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { request } from './rpc';

const METHODS = [
  ['icl', 'ICL + ERASE'],
  ['fineTune', 'Fine-tune, full retrain per deletion'],
  ['sisa', 'SISA'],
] as const;
const SOURCE: Record<CostInputView['source'], string> = { user: 'set by you', measured: 'measured', estimated: 'estimated', assumed: 'assumption' };

const usd = (x: number) => (x === 0 ? '$0' : x >= 100 ? `$${x.toFixed(0)}` : x >= 1 ? `$${x.toFixed(2)}` : `$${x.toPrecision(3)}`);
const num = (x: number) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4))));

interface Row {
  readonly field: HTMLInputElement;
  readonly source: HTMLElement;
  readonly note: HTMLElement;
}

export class UnlearningCost {
  private readonly inputs = h('table', { id: 'cost-inputs', class: 'grid' });
  private readonly totals = h('table', { id: 'cost-totals', class: 'grid' });
  private readonly summary = h('p', { id: 'cost-summary' });
  private readonly formula = h('pre', { id: 'cost-formula', class: 'formula' });
  private readonly error = h('div', { id: 'cost-error', class: 'error', role: 'alert' });
  private readonly rows = new Map<CostInputKey, Row>();
  private readonly overrides: Partial<Record<CostInputKey, number>> = {};
  private timer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;

  constructor(root: HTMLElement) {
    const resetAll = h('vscode-button', { id: 'cost-reset', secondary: true }, 'Reset to measured and assumed values');
    resetAll.addEventListener('click', () => {
      for (const k of Object.keys(this.overrides) as CostInputKey[]) delete this.overrides[k];
      for (const r of this.rows.values()) r.field.dataset.edited = '';
      void this.load(true);
    });
    root.append(
      h('h3', {}, 'Total cost over the period'),
      this.totals,
      this.summary,
      h('h3', {}, 'Formula'),
      this.formula,
      h('h3', {}, 'Inputs'),
      h('div', { class: 'toolbar' }, resetAll),
      this.error,
      this.inputs,
      h(
        'p',
        { class: 'muted' },
        'Measured inputs come from this workspace (eval results, the audit log, request records, the last verify); assumptions are defaults to replace with your own prices and speeds. Edit any value.',
      ),
    );
  }

  /** Asks the host for the report with the user's overrides; a later answer supersedes an earlier one. */
  async load(refill = false): Promise<void> {
    const mine = ++this.seq;
    try {
      const view = await request('unlearningCost', { overrides: { ...this.overrides } });
      if (mine !== this.seq) return;
      this.error.textContent = '';
      this.render(view, refill);
    } catch (e) {
      if (mine === this.seq) this.error.textContent = (e as Error).message;
    }
  }

  private edited(key: CostInputKey, field: HTMLInputElement): void {
    const text = (field.value ?? '').trim();
    const n = Number(text);
    if (text === '' || !Number.isFinite(n) || n < 0) {
      this.error.textContent = `${key}: give a number ≥ 0`;
      return;
    }
    this.overrides[key] = n;
    field.dataset.edited = 'true';
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.load(), 300);
  }

  private render(v: CostView, refill: boolean): void {
    if (this.rows.size === 0) {
      replaceChildren(this.inputs, h('tr', {}, ...['Input', 'Symbol', 'Value', 'Source', 'How it was obtained'].map((t) => h('th', {}, t))));
      for (const input of v.inputs) {
        const field = h('vscode-textfield', { id: `cost-${input.key}`, 'aria-label': input.label }) as HTMLInputElement;
        field.addEventListener('input', () => this.edited(input.key, field));
        const row = { field, source: h('td', { class: 'cost-source' }), note: h('td', { class: 'muted' }) };
        this.rows.set(input.key, row);
        this.inputs.append(
          h(
            'tr',
            { 'data-key': input.key },
            h('td', {}, input.label),
            h('td', {}, h('code', {}, input.symbol)),
            h('td', { class: 'cost-value' }, field, input.unit ? ` ${input.unit}` : ''),
            row.source,
            row.note,
          ),
        );
        refill = true;
      }
    }
    for (const input of v.inputs) {
      const row = this.rows.get(input.key);
      if (!row) continue;
      // A field the user is typing in keeps its text; the others show what the host used.
      if (refill || (document.activeElement !== row.field && row.field.dataset.edited !== 'true')) row.field.value = num(input.value);
      row.source.textContent = SOURCE[input.source];
      row.source.dataset.source = input.source;
      row.note.textContent = input.note;
    }
    const shards = v.inputs.find((i) => i.key === 'shards')?.value;
    replaceChildren(
      this.totals,
      h('tr', {}, ...['Method', 'Total', 'Of which'].map((t) => h('th', {}, t))),
      ...METHODS.map(([key, name]) => {
        const m: CostMethodView = v[key];
        return h(
          'tr',
          { 'data-method': key, class: v.cheapest === key ? 'cheapest' : undefined },
          h('td', {}, key === 'sisa' ? `${name} (S = ${shards})` : name, v.cheapest === key ? ' — cheapest' : ''),
          h('td', { class: 'cost-total' }, usd(m.total)),
          h('td', {}, m.terms.map((t) => `${t.name} ${usd(t.value)}`).join(' + ')),
        );
      }),
    );
    this.summary.textContent =
      `${num(v.queries)} queries and ${num(v.deletions)} deletions over the period. ` +
      (v.breakEvenQueriesPerDay === null
        ? 'The ERASE prompt adds no token cost: ICL stays below fine-tuning at any query rate.'
        : `ICL + ERASE costs less than fine-tuning with a retrain per deletion below ${num(v.breakEvenQueriesPerDay)} queries per day.`);
    this.formula.textContent = v.formula.join('\n');
  }
}
