// Residual-copy scan: after an erasure, are there copies of the erased texts elsewhere in the
// workspace (other files, .erase/, git history) or in VS Code's Local History of the data file?
// Core's scanWorkspace does the work; this file
// holds the texts only in memory for the scan, and shows places only (path, line, commit, which
// text by number), never the text itself — not in the view, the log or a message.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type EraseWorkspace, type LocalHistoryCopy, removeLocalHistoryCopies, type ResidualHit, type ResidualReport } from '../core';
import { log } from './log';
import { Keys, SECTION } from './settings';
import { withCancellableProgress } from './progress';
import { confirmModal } from './confirm';

export function scanAfterEraseEnabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>(Keys.scanResidualsAfterErase, true);
}

let localHistoryDir: string | undefined;

/**
 * Where VS Code keeps its Local History (saved copies of every file): `<user data dir>/User/History`.
 * The user data dir is configurable (--user-data-dir, code-server's too); the extension's global
 * storage is `<user data dir>/User/globalStorage/<extension id>`, so History is two levels up.
 */
export function setLocalHistoryDir(globalStorageUri: vscode.Uri | undefined): void {
  localHistoryDir =
    globalStorageUri && (globalStorageUri.scheme === 'file' || globalStorageUri.scheme === 'vscode-userdata')
      ? path.join(path.dirname(path.dirname(globalStorageUri.fsPath)), 'History')
      : undefined;
}

export function getLocalHistoryDir(): string | undefined {
  return localHistoryDir;
}

/** Where to scan: the workspace folder holding the data file (else the data file's folder), plus .erase/ and the editor's Local History of the data file. */
export function scanScope(ws: EraseWorkspace): { root: string; extraDirs: string[]; localHistoryDir?: string } {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(ws.dataFile));
  const root = folder?.uri.fsPath ?? ws.paths.root;
  return { root, extraDirs: [path.relative(root, ws.stateDir) || '.erase'], ...(localHistoryDir ? { localHistoryDir } : {}) };
}

export interface ResidualResult {
  report: ResidualReport;
  root: string;
  trigger: string;
  texts: number;
  time: string;
}

type Node =
  | { kind: 'summary' }
  | { kind: 'group'; group: 'file' | 'git-index' | 'git-history' | 'local-history' | 'skipped' | 'guidance' }
  | { kind: 'hit'; hit: ResidualHit }
  | { kind: 'history'; copy: LocalHistoryCopy }
  | { kind: 'skip'; path: string; reason: string }
  | { kind: 'guidance'; text: string; index: number };

/** The "Residual copies" view: the latest scan's places and what to do about them. */
export class ResidualsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  result: ResidualResult | undefined;
  /** The scan in flight (or the last one): tests and callers can wait for it. */
  running: Promise<ResidualResult | undefined> = Promise.resolve(undefined);

  dispose(): void {
    this.changed.dispose();
  }

  set(r: ResidualResult): void {
    this.result = r;
    void vscode.commands.executeCommand('setContext', 'erase.residualScanDone', true);
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    const r = this.result?.report;
    if (!r) return [];
    if (!node) {
      const groups: Node[] = [{ kind: 'summary' }];
      for (const g of ['file', 'git-index', 'git-history'] as const) if (r.hits.some((h) => h.kind === g)) groups.push({ kind: 'group', group: g });
      if (r.localHistory?.length) groups.push({ kind: 'group', group: 'local-history' });
      if (r.skipped.length) groups.push({ kind: 'group', group: 'skipped' });
      groups.push({ kind: 'group', group: 'guidance' });
      return groups;
    }
    if (node.kind !== 'group') return [];
    if (node.group === 'skipped') return r.skipped.map((s) => ({ kind: 'skip', path: s.path, reason: s.reason }));
    if (node.group === 'guidance') return r.guidance.map((text, index) => ({ kind: 'guidance', text, index }));
    if (node.group === 'local-history') return (r.localHistory ?? []).map((copy) => ({ kind: 'history', copy }));
    return r.hits.filter((h) => h.kind === node.group).map((hit) => ({ kind: 'hit', hit }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const res = this.result!;
    switch (node.kind) {
      case 'summary': {
        const r = res.report;
        const found = copiesFound(r);
        const item = new vscode.TreeItem(found ? vscode.l10n.t('{0} residual copy(ies) found', found) : vscode.l10n.t('No residual copy found'));
        item.id = 'residual:summary';
        item.description = vscode.l10n.t('{0} text(s) · {1} file(s), {2} revision(s) scanned', res.texts, r.filesScanned, r.revisionsScanned);
        item.tooltip = vscode.l10n.t('After: {0} ({1})', res.trigger, res.time);
        item.iconPath = new vscode.ThemeIcon(found ? 'warning' : 'pass', new vscode.ThemeColor(found ? 'problemsWarningIcon.foreground' : 'testing.iconPassed'));
        item.contextValue = 'residualSummary';
        return item;
      }
      case 'group': {
        const titles = {
          file: vscode.l10n.t('Files in the workspace'),
          'git-index': vscode.l10n.t('Git index (staged)'),
          'git-history': vscode.l10n.t('Git history'),
          'local-history': vscode.l10n.t('VS Code Local History'),
          skipped: vscode.l10n.t('Not searched'),
          guidance: vscode.l10n.t('What to do'),
        } as const;
        const item = new vscode.TreeItem(titles[node.group], vscode.TreeItemCollapsibleState.Expanded);
        item.id = `residual:group:${node.group}`;
        item.iconPath = new vscode.ThemeIcon(
          node.group === 'guidance'
            ? 'lightbulb'
            : node.group === 'skipped'
              ? 'circle-slash'
              : node.group === 'file'
                ? 'files'
                : node.group === 'local-history'
                  ? 'history'
                  : 'git-commit',
        );
        if (node.group === 'local-history') {
          item.contextValue = 'residualLocalHistory';
          item.tooltip = vscode.l10n.t('Copies of the data file that VS Code saved before the erasure, outside the workspace and outside git. Remove them from the context menu.');
        }
        return item;
      }
      case 'history': {
        const c = node.copy;
        // the folder and entry names are VS Code's (a hash and a random id): no text
        const item = new vscode.TreeItem(`History/${path.basename(c.folder)}/${c.entryId}`, vscode.TreeItemCollapsibleState.None);
        item.id = `residual:local-history:${c.folder}:${c.entryId}`;
        const parts = c.needleIndices.map((i) => vscode.l10n.t('erased text #{0}', i));
        if (c.timestamp !== undefined) parts.push(vscode.l10n.t('saved {0}', new Date(c.timestamp).toLocaleString()));
        item.description = parts.join(' · ');
        item.tooltip = new vscode.MarkdownString().appendText(vscode.l10n.t('A copy of the data file in VS Code Local History: {0}', path.join(c.folder, c.entryId)));
        item.iconPath = new vscode.ThemeIcon('history');
        item.contextValue = 'residualHit.local-history';
        return item;
      }
      case 'hit': {
        const h = node.hit;
        const label = `${h.path}${h.line !== undefined ? `:${h.line}` : ''}`;
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
        item.id = `residual:${h.kind}:${h.path}:${h.line ?? ''}:${h.commit ?? ''}:${h.needleIndex}:${h.match}`;
        const parts = [vscode.l10n.t('erased text #{0}', h.needleIndex)];
        if (h.commit) parts.push(vscode.l10n.t('commit {0}', h.commit.slice(0, 12)));
        if (h.match !== 'exact') parts.push(vscode.l10n.t('whitespace-normalised'));
        item.description = parts.join(' · ');
        item.contextValue = `residualHit.${h.kind}`;
        if (h.kind === 'git-history') {
          item.iconPath = new vscode.ThemeIcon('git-commit');
          item.tooltip = new vscode.MarkdownString().appendText(
            vscode.l10n.t('In commit {0}, file {1}. Rewrite the history to remove it: see "What to do".', h.commit ?? '?', h.path),
          );
        } else {
          const file = vscode.Uri.file(path.join(res.root, ...h.path.split('/')));
          item.iconPath = new vscode.ThemeIcon(h.kind === 'git-index' ? 'diff-added' : 'file');
          item.resourceUri = file;
          item.tooltip = new vscode.MarkdownString().appendText(h.kind === 'git-index' ? vscode.l10n.t('Staged in the git index; the working file is opened.') : label);
          const line = Math.max(0, (h.line ?? 1) - 1);
          item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [file, { selection: new vscode.Range(line, 0, line, 0), preview: true }] };
        }
        return item;
      }
      case 'skip': {
        const item = new vscode.TreeItem(node.path, vscode.TreeItemCollapsibleState.None);
        item.description = node.reason;
        item.tooltip = node.reason;
        item.iconPath = new vscode.ThemeIcon('circle-slash');
        return item;
      }
      case 'guidance': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = `residual:guidance:${node.index}`;
        item.tooltip = node.text;
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
    }
  }

  /** Runs a scan that holds its texts itself (core's erase use case hands one back) and shows the report. */
  show(runScan: (signal: AbortSignal) => Promise<ResidualReport>, texts: number, scope: { root: string }, trigger: string): Promise<ResidualResult | undefined> {
    const run = async (): Promise<ResidualResult | undefined> => {
      // The scan runs git in the folder; even with the repository's programs disabled, an untrusted folder is the user's call.
      if (!vscode.workspace.isTrusted) {
        const ok = await confirmModal(
          vscode.l10n.t(
            "This workspace is not trusted. Scan it and its git history for residual copies of erased text? git runs with the repository's own programs (hooks, fsmonitor, filters) disabled.",
          ),
          vscode.l10n.t('Scan'),
        );
        if (!ok) {
          log.info(`residual scan (${trigger}) not run: the workspace is not trusted and the user declined`);
          return undefined;
        }
      }
      try {
        const report = await withCancellableProgress(vscode.l10n.t('Scanning for residual copies of {0} erased text(s)', texts), runScan);
        const result: ResidualResult = { report, root: scope.root, trigger, texts, time: new Date().toISOString() };
        this.set(result);
        // places and counts only
        log.info(
          `residual scan (${trigger}): ${report.hits.length} copy(ies), ${report.localHistory?.length ?? 0} in Local History, ${report.filesScanned} file(s), ${report.revisionsScanned} revision(s), ${report.skipped.length} place(s) not searched`,
        );
        if (copiesFound(report)) {
          const show = vscode.l10n.t('Show places');
          void vscode.window
            .showWarningMessage(
              vscode.l10n.t('{0} residual copy(ies) of erased text remain in the workspace, its git history or VS Code Local History.', copiesFound(report)),
              show,
            )
            .then((pick) => {
              if (pick === show) void vscode.commands.executeCommand('erase.residuals.focus');
            });
        }
        return result;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (e instanceof Error && (e.name === 'CancelledError' || e.name === 'AbortError')) log.info('residual scan cancelled');
        else {
          log.warn(`residual scan failed: ${msg}`);
          void vscode.window.showWarningMessage(vscode.l10n.t('The residual-copy scan failed: {0}', msg));
        }
        return undefined;
      }
    };
    this.running = run();
    return this.running;
  }

  /**
   * Deletes the Local History copies the last scan found, after a modal confirmation. Only those
   * entries go (and their lines in entries.json): older saves without erased text are the user's
   * undo history, and other files' history is never touched. VS Code may list a removed entry in
   * the Timeline until it reloads its history; the copy itself is gone from disk.
   */
  async removeLocalHistory(): Promise<{ removed: number; folders: number } | undefined> {
    const copies = this.result?.report.localHistory ?? [];
    if (copies.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('The last residual-copy scan found no copy in VS Code Local History.'));
      return undefined;
    }
    const ok = await confirmModal(
      vscode.l10n.t(
        'Delete {0} saved copy(ies) of the data file from VS Code Local History? They hold erased text. Other saved copies are kept. This cannot be undone.',
        copies.length,
      ),
      vscode.l10n.t('Delete copies'),
    );
    if (!ok) return undefined;
    const byFolder = new Map<string, string[]>();
    for (const c of copies) byFolder.set(c.folder, [...(byFolder.get(c.folder) ?? []), c.entryId]);
    let removed = 0;
    const failed: LocalHistoryCopy[] = [];
    for (const [folder, ids] of byFolder) {
      try {
        removed += (await removeLocalHistoryCopies(folder, ids)).removed;
      } catch (e) {
        log.warn(`could not remove Local History copies in ${folder}: ${e instanceof Error ? e.message : String(e)}`);
        failed.push(...copies.filter((c) => c.folder === folder));
      }
    }
    log.info(`removed ${removed} Local History copy(ies) of the data file in ${byFolder.size} folder(s)${failed.length ? `; ${failed.length} not removed` : ''}`);
    if (this.result) this.set({ ...this.result, report: { ...this.result.report, localHistory: failed } });
    if (failed.length) void vscode.window.showWarningMessage(vscode.l10n.t('{0} Local History copy(ies) could not be removed; see "ERASE: Show log".', failed.length));
    else void vscode.window.showInformationMessage(vscode.l10n.t('Removed {0} copy(ies) of the data file from VS Code Local History.', removed));
    return { removed, folders: byFolder.size };
  }
}

/** Copies found: in the workspace and git, and in the editor's Local History. */
function copiesFound(r: ResidualReport): number {
  return r.hits.length + (r.localHistory?.length ?? 0);
}
