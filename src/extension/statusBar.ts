// Status-bar item: Ollama reachability and the data set's n, k and certified-deletion count.
import * as vscode from 'vscode';
import type { StatusView } from '../shared/protocol';

export class EraseStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('erase.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = vscode.l10n.t('ERASE');
    this.item.command = 'erase.openWorkbench';
    this.item.text = '$(graph-scatter) ERASE';
    this.item.show();
  }

  update(s: StatusView): void {
    const ollama = s.ollamaReachable === null ? '$(circle-outline)' : s.ollamaReachable ? '$(pass)' : '$(error)';
    this.item.text = `$(graph-scatter) n=${s.n} k=${s.k} $(verified) ${s.certifiedDeletions} ${ollama}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**ERASE** — ${vscode.l10n.t('{0} examples, k = {1}', s.n, s.k)}\n\n`);
    md.appendMarkdown(`${vscode.l10n.t('Certified deletions: {0} of {1}', s.certifiedDeletions, s.totalDeletions)}\n\n`);
    md.appendMarkdown(`${vscode.l10n.t('State hash')}: \`${s.stateHash.slice(0, 16)}\`\n\n`);
    const reach = s.ollamaReachable === null ? vscode.l10n.t('not checked') : s.ollamaReachable ? vscode.l10n.t('reachable') : vscode.l10n.t('not reachable');
    md.appendText(`Ollama ${s.ollamaHost}: ${reach}`);
    this.item.tooltip = md;
    this.item.backgroundColor = s.malformed > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
