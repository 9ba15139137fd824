// The search box over the map: by text (substring), by RE2 pattern (linear time, bounded by the
// host) or by meaning (the examples nearest the typed text with the workspace's own embedder).
// The host runs the search in core and answers ids; the hits are ringed on the map and listed
// (text as textContent), "Select all hits" hands them to the inspector. The query is never saved.
import { MAX_SEARCH_HITS, NEAR_SEARCH_HITS, type SearchKind } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { request } from './rpc';
import { example } from './tooltip';

/** Hits listed with their text (the map rings them all). */
const LISTED_HITS = 50;

export interface SearchCallbacks {
  onHits(ids: string[]): void;
  onSelect(ids: string[]): void;
  onExport(ids: string[]): void;
}

export class MapSearch {
  readonly el: HTMLElement;
  private readonly query = h('vscode-textfield', { id: 'search-query', placeholder: 'Search the data set…', 'aria-label': 'search text' }) as HTMLInputElement;
  private readonly kind = h(
    'select',
    { id: 'search-kind', class: 'plain-select', 'aria-label': 'search by' },
    h('option', { value: 'text' }, 'contains text'),
    h('option', { value: 'regex' }, 'matches regex (RE2)'),
    h('option', { value: 'near' }, 'near in meaning'),
  ) as HTMLSelectElement;
  private readonly ignoreCase = h('input', { id: 'search-ignore-case', type: 'checkbox', checked: true }) as HTMLInputElement;
  private readonly count = h('div', { id: 'search-count', class: 'muted', 'aria-live': 'polite' });
  private readonly list = h('ol', { id: 'search-hits', class: 'hit-list' });
  private readonly selectAll = h('vscode-button', { id: 'search-select-all', disabled: true }, 'Select all hits');
  private readonly exportHits = h('vscode-button', { id: 'search-export', secondary: true, disabled: true }, 'Export hits…');
  private hits: string[] = [];
  private seq = 0;

  constructor(private readonly cb: SearchCallbacks) {
    const run = h('vscode-button', { id: 'search-run' }, 'Search');
    const clear = h('vscode-button', { id: 'search-clear', secondary: true }, 'Clear');
    run.addEventListener('click', () => void this.run());
    clear.addEventListener('click', () => this.clear());
    this.query.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') void this.run();
    });
    this.selectAll.addEventListener('click', () => this.hits.length && this.cb.onSelect([...this.hits]));
    this.exportHits.addEventListener('click', () => this.hits.length && this.cb.onExport([...this.hits]));
    this.el = h(
      'div',
      { id: 'map-search', class: 'map-search', role: 'search' },
      h('div', { class: 'row' }, this.query, this.kind, h('label', { for: 'search-ignore-case' }, this.ignoreCase, ' ignore case'), run, clear),
      h('div', { class: 'row' }, this.count, this.selectAll, this.exportHits),
      this.list,
    );
  }

  /** Drops erased examples from the hits (their list items go with every [data-id] element). */
  forget(gone: ReadonlySet<string>): void {
    if (!this.hits.some((id) => gone.has(id))) return;
    this.setHits(
      this.hits.filter((id) => !gone.has(id)),
      false,
    );
  }

  private async run(): Promise<void> {
    const query = this.query.value ?? '';
    const kind = this.kind.value as SearchKind;
    if (!query.trim()) {
      this.clear();
      return;
    }
    const seq = ++this.seq;
    this.count.className = 'muted';
    this.count.textContent = kind === 'near' ? 'Embedding the query…' : 'Searching…';
    try {
      const r = await request('searchExamples', { kind, query, ignoreCase: this.ignoreCase.checked, limit: kind === 'near' ? NEAR_SEARCH_HITS : MAX_SEARCH_HITS });
      if (seq !== this.seq) return; // a newer search answered first
      this.setHits(
        r.hits.map((x) => x.id),
        r.truncated,
        new Map(r.hits.filter((x) => x.distance !== undefined).map((x) => [x.id, x.distance!] as const)),
      );
    } catch (e) {
      if (seq !== this.seq) return;
      this.setHits([], false);
      this.count.className = 'error';
      this.count.textContent = (e as Error).message; // the host's one-line error; it never quotes the pattern
    }
  }

  private clear(): void {
    this.seq++;
    this.query.value = '';
    this.setHits([], false);
    this.count.textContent = '';
  }

  private setHits(ids: string[], truncated: boolean, distance = new Map<string, number>()): void {
    this.hits = ids;
    this.el.dataset.hitCount = String(ids.length);
    this.count.className = 'muted';
    this.count.textContent =
      ids.length === 0 ? 'no hits' : `${ids.length}${truncated ? '+' : ''} hit${ids.length === 1 ? '' : 's'}${truncated ? ` (the first ${ids.length} shown)` : ''}`;
    for (const b of [this.selectAll, this.exportHits]) b.toggleAttribute('disabled', ids.length === 0);
    const items = ids.slice(0, LISTED_HITS).map((id) => {
      const li = h('li', { 'data-id': id, tabindex: 0, title: 'select this example' }, h('span', { class: 'muted' }, id));
      const pick = () => this.cb.onSelect([id]);
      li.addEventListener('click', pick);
      li.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && pick());
      void example(id).then(
        (d) => {
          const dist = distance.get(id);
          replaceChildren(li, h('span', { class: 'hit-text' }, d.input), h('span', { class: 'muted' }, ` · ${id}${dist !== undefined ? ` · distance ${dist.toFixed(3)}` : ''}`));
        },
        () => undefined,
      );
      return li;
    });
    replaceChildren(this.list, ...items, ids.length > LISTED_HITS ? h('li', { class: 'muted' }, `… and ${ids.length - LISTED_HITS} more (all ringed on the map)`) : null);
    this.cb.onHits(ids);
  }
}
