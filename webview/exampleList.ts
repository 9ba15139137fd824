// The map's accessible alternative: the same points as a table (id, cluster name, label, the
// start of the text) that can be sorted by any column and filtered by a text; a row selects its
// example (Enter or click), as a click on the map does. Text cells are textContent only; the rows
// live in memory only and lose erased examples at once.
import type { ClusterSummaryView, ExampleRowView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { clusterName } from './legend';
import { request } from './rpc';

type SortKey = 'id' | 'cluster' | 'label' | 'text';
const COLUMNS: [SortKey, string][] = [
  ['id', 'Id'],
  ['cluster', 'Cluster'],
  ['label', 'Label'],
  ['text', 'Text'],
];
/** Rows drawn at once (the filter narrows; "Show more" adds a page). */
const PAGE = 200;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class ExampleList {
  private readonly filter = h('vscode-textfield', {
    id: 'list-filter',
    placeholder: 'Filter by id, cluster, label or text',
    'aria-label': 'filter the examples',
  }) as HTMLInputElement;
  private readonly count = h('div', { id: 'list-count', class: 'muted', 'aria-live': 'polite' });
  private readonly head = h('tr', {});
  private readonly body = h('tbody', {});
  private readonly table = h(
    'table',
    { id: 'example-list', class: 'grid' },
    h('caption', { class: 'visually-hidden' }, 'Examples of the data set'),
    h('thead', {}, this.head),
    this.body,
  );
  private readonly more = h('vscode-button', { id: 'list-more', secondary: true }, 'Show more');
  private rows: ExampleRowView[] = [];
  private clusters: ClusterSummaryView[] = [];
  private sort: { key: SortKey; dir: 1 | -1 } = { key: 'cluster', dir: 1 };
  private shown = PAGE;
  private stale = true;
  private loading: Promise<void> | undefined;

  constructor(
    root: HTMLElement,
    private readonly onSelect: (ids: string[]) => void,
  ) {
    this.filter.addEventListener('input', () => {
      this.shown = PAGE;
      this.render();
    });
    this.more.addEventListener('click', () => {
      this.shown += PAGE;
      this.render();
    });
    root.append(
      h('p', { class: 'muted' }, 'The points of the cluster map as a table. Sort by a column header; Enter on a row selects the example for the inspector on the map tab.'),
      this.filter,
      this.count,
      this.table,
      this.more,
    );
    this.renderHead();
  }

  setClusters(clusters: ClusterSummaryView[]): void {
    this.clusters = clusters;
    if (this.rows.length) this.render();
  }

  /** The data changed: reload when shown (now, when `visible`). */
  invalidate(visible: boolean): void {
    this.stale = true;
    if (visible) void this.load();
  }

  forget(gone: ReadonlySet<string>): void {
    this.rows = this.rows.filter((r) => !gone.has(r.id));
    this.render();
  }

  async load(): Promise<void> {
    if (!this.stale) return;
    if (this.loading) return this.loading;
    this.count.textContent = 'Loading…';
    this.loading = request('listExamples', {}).then(
      (r) => {
        this.rows = r.rows;
        this.stale = false;
        this.loading = undefined;
        this.render();
      },
      (e: Error) => {
        this.loading = undefined;
        this.count.textContent = e.message;
      },
    );
    return this.loading;
  }

  private renderHead(): void {
    replaceChildren(
      this.head,
      ...COLUMNS.map(([key, title]) => {
        const active = this.sort.key === key;
        const b = h('button', { class: 'sort-button', 'data-sort': key }, title, active ? (this.sort.dir === 1 ? ' ▲' : ' ▼') : '');
        b.addEventListener('click', () => {
          this.sort = { key, dir: active ? (-this.sort.dir as 1 | -1) : 1 };
          this.renderHead();
          this.render();
        });
        return h('th', { 'aria-sort': active ? (this.sort.dir === 1 ? 'ascending' : 'descending') : 'none' }, b);
      }),
    );
  }

  private name(r: ExampleRowView): string {
    return clusterName(r.cluster, this.clusters);
  }

  private render(): void {
    const needle = (this.filter.value ?? '').trim().toLowerCase();
    const matching = needle ? this.rows.filter((r) => [r.id, this.name(r), r.label ?? '', r.snippet].some((s) => s.toLowerCase().includes(needle))) : this.rows.slice();
    const { key, dir } = this.sort;
    const value = (r: ExampleRowView): string => (key === 'id' ? r.id : key === 'label' ? (r.label ?? '') : key === 'text' ? r.snippet : '');
    matching.sort((a, b) => dir * (key === 'cluster' ? a.cluster - b.cluster : cmp(value(a), value(b))) || cmp(a.id, b.id));
    const page = matching.slice(0, this.shown);
    replaceChildren(
      this.body,
      ...page.map((r) => {
        const tr = h(
          'tr',
          { 'data-id': r.id, tabindex: 0 },
          h('td', { class: 'cell-id' }, r.id),
          h('td', { class: 'cell-cluster' }, this.name(r)),
          h('td', { class: 'cell-label' }, r.label ?? ''),
          h('td', { class: 'cell-text' }, r.snippet),
        );
        const pick = () => this.onSelect([r.id]);
        tr.addEventListener('click', pick);
        tr.addEventListener('keydown', (e) => e.key === 'Enter' && pick());
        return tr;
      }),
    );
    this.table.dataset.rowCount = String(page.length);
    this.table.dataset.matchCount = String(matching.length);
    this.count.textContent = `${matching.length} of ${this.rows.length} example(s)${page.length < matching.length ? `, the first ${page.length} shown` : ''}`;
    this.more.toggleAttribute('disabled', page.length >= matching.length);
  }
}
