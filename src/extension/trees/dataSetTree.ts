// Tree "Data set": clusters → examples. Representatives (the examples in the prompt) get a star;
// duplicated lines and malformed lines are marked. Clicking an example reveals its line.
import * as vscode from 'vscode';
import { describeClusters, labelMix, type ClusterDescription, type ExampleView } from '../../core';
import type { EraseService } from '../eraseService';

type Node =
  | { kind: 'cluster'; cluster: number; ids: string[] }
  | { kind: 'example'; id: string }
  | { kind: 'malformedGroup' }
  | { kind: 'malformed'; line: number; message: string };

const oneLine = (s: string, max = 80) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
};

export class DataSetTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: vscode.Disposable;
  /** Examples by id, read once per refresh: core re-parses the data file on every examples() call. */
  private byId = new Map<string, ExampleView>();
  private malformedCount = 0;
  /** Keywords and label mix per cluster index, computed once per refresh (empty when not clustered). */
  private described = new Map<number, ClusterDescription>();

  constructor(private readonly service: EraseService) {
    this.sub = service.onDidChange(() => this.changed.fire(undefined));
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
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
      const nodes: Node[] = [...byCluster.entries()].sort((a, b) => a[0] - b[0]).map(([cluster, ids]) => ({ kind: 'cluster', cluster, ids }));
      this.malformedCount = ws.status().malformed.length;
      if (this.malformedCount) nodes.push({ kind: 'malformedGroup' });
      return nodes;
    }
    if (node.kind === 'cluster') {
      const isRep = (id: string) => Number(!!this.byId.get(id)?.isRepresentative);
      // representative first, then file order
      return [...node.ids].sort((a, b) => isRep(b) - isRep(a)).map((id) => ({ kind: 'example', id }));
    }
    if (node.kind === 'malformedGroup') return ws.status().malformed.map((m) => ({ kind: 'malformed', line: m.line, message: m.message }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const ws = this.service.current();
    switch (node.kind) {
      case 'cluster': {
        const d = this.described.get(node.cluster);
        const name = [d?.keywords.join(', '), d && Object.keys(d.labels).length ? labelMix(d.labels) : ''].filter(Boolean);
        const label = node.cluster < 0 ? vscode.l10n.t('Not clustered yet') : [vscode.l10n.t('Cluster {0}', node.cluster), ...name].join(' · ');
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = vscode.l10n.t('{0} examples', node.ids.length);
        if (d) item.tooltip = vscode.l10n.t('Keywords that set this cluster apart: {0}', d.keywords.join(', ') || '-');
        item.iconPath = new vscode.ThemeIcon('symbol-namespace');
        item.contextValue = 'cluster';
        item.id = `cluster:${node.cluster}`;
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
