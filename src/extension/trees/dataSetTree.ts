// Tree "Data set": clusters → examples. Representatives (the examples in the prompt) get a star;
// duplicated lines and malformed lines are marked. Clicking an example reveals its line.
// While a search is shown (trees/dataSetSearch.ts) the tree lists only the clusters with hits and
// their hit examples; it keeps the hits' ids only, and drops erased ones as soon as they are erased.
import * as vscode from 'vscode';
import { describeClusters, labelMix, type ClusterDescription, type ExampleView } from '../../core';
import type { EraseService } from '../eraseService';
import { onErased } from '../eraseFlow';

type Node =
  | { kind: 'cluster'; cluster: number; ids: string[]; total?: number }
  | { kind: 'example'; id: string }
  | { kind: 'malformedGroup' }
  | { kind: 'malformed'; line: number; message: string };

const oneLine = (s: string, max = 80) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
};

/** The search the tree shows: what was asked (for the message) and the hits' ids, never their text. */
export interface TreeSearch {
  /** How the query is named in the view's message (the typed text, shortened). */
  readonly label: string;
  readonly kind: 'text' | 'regex' | 'near';
  /** Hit ids in the search's order (file order, or nearest first). */
  readonly ids: readonly string[];
  /** More examples matched than the search returned. */
  readonly truncated: boolean;
}

export const SEARCH_ACTIVE_CONTEXT = 'erase.dataSetSearchActive';

export class DataSetTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: vscode.Disposable;
  /** Examples by id, read once per refresh: core re-parses the data file on every examples() call. */
  private byId = new Map<string, ExampleView>();
  private malformedCount = 0;
  /** Keywords and label mix per cluster index, computed once per refresh (empty when not clustered). */
  private described = new Map<number, ClusterDescription>();
  private search: TreeSearch | undefined;
  private view: vscode.TreeView<Node> | undefined;
  private readonly erasedSub: vscode.Disposable;

  constructor(private readonly service: EraseService) {
    this.sub = service.onDidChange(() => this.changed.fire(undefined));
    this.erasedSub = onErased((ids) => this.forget(ids));
  }

  dispose(): void {
    this.sub.dispose();
    this.erasedSub.dispose();
    this.changed.dispose();
  }

  /** The view this provider feeds: its message says what the search found. */
  attach(view: vscode.TreeView<Node>): void {
    this.view = view;
    this.showMessage();
  }

  /** Shows a search's hits (or, with undefined, the whole data set again). */
  setSearch(search: TreeSearch | undefined): void {
    this.search = search;
    void vscode.commands.executeCommand('setContext', SEARCH_ACTIVE_CONTEXT, !!search);
    this.showMessage();
    this.changed.fire(undefined);
  }

  /** The shown search (hit ids as of the last refresh or erasure), or undefined. */
  currentSearch(): TreeSearch | undefined {
    return this.search;
  }

  /** The view's message: "N hits for “…”" while a search is shown (what tests and screen readers read). */
  message(): string | undefined {
    const s = this.search;
    if (!s) return undefined;
    const n = `${s.ids.length}${s.truncated ? '+' : ''}`;
    return s.kind === 'near'
      ? vscode.l10n.t('{0} nearest in meaning to “{1}” — Clear Search shows all examples again', n, s.label)
      : s.ids.length === 1 && !s.truncated
        ? vscode.l10n.t('1 hit for “{0}” — Clear Search shows all examples again', s.label)
        : vscode.l10n.t('{0} hits for “{1}” — Clear Search shows all examples again', n, s.label);
  }

  private showMessage(): void {
    if (this.view) this.view.message = this.message();
  }

  /** Erased examples leave the hits and the cached texts at once, not at the next refresh. */
  private forget(ids: readonly string[]): void {
    for (const id of ids) this.byId.delete(id);
    if (this.search && ids.some((id) => this.search!.ids.includes(id))) {
      const gone = new Set(ids);
      this.search = { ...this.search, ids: this.search.ids.filter((id) => !gone.has(id)) };
      this.showMessage();
    }
    this.changed.fire(undefined);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    const ws = await this.service.get();
    if (!ws) return [];
    if (!node) {
      const examples = ws.examples();
      this.byId = new Map(examples.map((e) => [e.id, e]));
      const byCluster = new Map<number, string[]>();
      for (const e of examples) {
        const c = e.cluster ?? -1;
        const list = byCluster.get(c) ?? [];
        list.push(e.id);
        byCluster.set(c, list);
      }
      this.described = new Map();
      if (!byCluster.has(-1)) {
        try {
          for (const d of await describeClusters(ws, { keywords: 3, outliers: 0 })) this.described.set(d.index, d);
        } catch {
          // Naming is a nicety: a state that cannot be loaded now still lists its clusters by number.
        }
      }
      if (this.search) return this.searchRoots(byCluster);
      const nodes: Node[] = [...byCluster.entries()].sort((a, b) => a[0] - b[0]).map(([cluster, ids]) => ({ kind: 'cluster', cluster, ids }));
      this.malformedCount = ws.status().malformed.length;
      if (this.malformedCount) nodes.push({ kind: 'malformedGroup' });
      return nodes;
    }
    if (node.kind === 'cluster') {
      if (node.total !== undefined) return node.ids.map((id) => ({ kind: 'example', id })); // search hits, in the search's order
      const isRep = (id: string) => Number(!!this.byId.get(id)?.isRepresentative);
      // representative first, then file order
      return [...node.ids].sort((a, b) => isRep(b) - isRep(a)).map((id) => ({ kind: 'example', id }));
    }
    if (node.kind === 'malformedGroup') return ws.status().malformed.map((m) => ({ kind: 'malformed', line: m.line, message: m.message }));
    return [];
  }

  /** Clusters with hits, each with its hits in the search's order; hits no longer in the data drop out. */
  private searchRoots(byCluster: ReadonlyMap<number, readonly string[]>): Node[] {
    const search = this.search!;
    const alive = search.ids.filter((id) => this.byId.has(id));
    if (alive.length !== search.ids.length) {
      this.search = { ...search, ids: alive };
      this.showMessage();
    }
    const hits = new Map<number, string[]>();
    for (const id of alive) {
      const c = this.byId.get(id)!.cluster ?? -1;
      const list = hits.get(c) ?? [];
      list.push(id);
      hits.set(c, list);
    }
    return [...hits.entries()].sort((a, b) => a[0] - b[0]).map(([cluster, ids]) => ({ kind: 'cluster', cluster, ids, total: byCluster.get(cluster)?.length ?? ids.length }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const ws = this.service.current();
    switch (node.kind) {
      case 'cluster': {
        const d = this.described.get(node.cluster);
        const name = [d?.keywords.join(', '), d && Object.keys(d.labels).length ? labelMix(d.labels) : ''].filter(Boolean);
        const label = node.cluster < 0 ? vscode.l10n.t('Not clustered yet') : [vscode.l10n.t('Cluster {0}', node.cluster), ...name].join(' · ');
        const searching = node.total !== undefined;
        const item = new vscode.TreeItem(label, searching ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.description = searching ? vscode.l10n.t('{0} of {1} examples match', node.ids.length, node.total!) : vscode.l10n.t('{0} examples', node.ids.length);
        if (d) item.tooltip = vscode.l10n.t('Keywords that set this cluster apart: {0}', d.keywords.join(', ') || '-');
        item.iconPath = new vscode.ThemeIcon('symbol-namespace');
        item.contextValue = 'cluster';
        // its own id under a search: VS Code would otherwise keep the unfiltered node's collapsed state
        item.id = `${searching ? 'search:' : ''}cluster:${node.cluster}`;
        return item;
      }
      case 'example': {
        const e = this.byId.get(node.id);
        const item = new vscode.TreeItem(e ? oneLine(e.input) : node.id, vscode.TreeItemCollapsibleState.None);
        item.id = `example:${node.id}`;
        const marks: string[] = [];
        if (e?.isRepresentative) marks.push(vscode.l10n.t('representative'));
        if (e && e.multiplicity > 1) marks.push(vscode.l10n.t('duplicate ×{0}', e.multiplicity));
        item.description = [e ? vscode.l10n.t('line {0}', e.lines.join(', ')) : '', ...marks].filter(Boolean).join(' · ');
        item.tooltip = new vscode.MarkdownString().appendText(`${node.id}\n${e?.output ?? ''}`);
        item.iconPath = new vscode.ThemeIcon(e?.isRepresentative ? 'star-full' : e && e.multiplicity > 1 ? 'copy' : 'circle-small');
        item.contextValue = e?.isRepresentative ? 'example.representative' : 'example';
        item.command = { command: 'erase.revealExample', title: vscode.l10n.t('Reveal'), arguments: [node.id] };
        return item;
      }
      case 'malformedGroup': {
        const n = this.malformedCount;
        const item = new vscode.TreeItem(vscode.l10n.t('Malformed lines'), vscode.TreeItemCollapsibleState.Expanded);
        item.description = String(n);
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.id = 'malformed';
        return item;
      }
      case 'malformed': {
        const item = new vscode.TreeItem(vscode.l10n.t('line {0}', node.line), vscode.TreeItemCollapsibleState.None);
        item.description = node.message;
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.contextValue = 'malformed';
        item.command = ws
          ? { command: 'vscode.open', title: '', arguments: [vscode.Uri.file(ws.dataFile), { selection: new vscode.Range(node.line - 1, 0, node.line - 1, 0) }] }
          : undefined;
        return item;
      }
    }
  }
}

/** The example ids among selected tree nodes (for "Erase selected"). */
export function selectedExampleIds(nodes: readonly unknown[]): string[] {
  return nodes.flatMap((n) => (n && typeof n === 'object' && (n as Node).kind === 'example' ? [(n as { id: string }).id] : []));
}
