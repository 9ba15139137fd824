// Trees "Deletion requests" (one node per erasure request) and "Audit log" (every entry). Both
// show counts and hashes only: the audit log keeps HMAC commitments, never ids or text.
import * as vscode from 'vscode';
import type { AuditEntryView } from '../../shared/protocol';
import type { EraseService } from '../eraseService';
import { auditView } from '../views';

abstract class AuditTreeBase implements vscode.TreeDataProvider<AuditEntryView>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(protected readonly service: EraseService) {
    this.sub = service.onDidChange(() => this.changed.fire(undefined));
  }
  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
  protected async entries(): Promise<AuditEntryView[]> {
    const ws = await this.service.get();
    return ws ? auditView(ws) : [];
  }
  abstract getChildren(node?: AuditEntryView): Promise<AuditEntryView[]>;
  abstract getTreeItem(node: AuditEntryView): vscode.TreeItem;
}

const short = (h: string) => (h ? h.slice(0, 12) : '—');

export class DeletionRequestsTree extends AuditTreeBase {
  async getChildren(node?: AuditEntryView): Promise<AuditEntryView[]> {
    return node ? [] : (await this.entries()).filter((e) => e.action === 'erase' || e.action === 'refuse').reverse();
  }
  getTreeItem(e: AuditEntryView): vscode.TreeItem {
    const item = new vscode.TreeItem(e.requester || e.requestId);
    item.id = `req:${e.seq}`;
    item.description = `${e.time} · ${vscode.l10n.t('{0} erased', e.erasedCount)}${e.certified ? ' · ' + vscode.l10n.t('certified') : e.retrained ? ' · ' + vscode.l10n.t('retrained') : ''}`;
    item.tooltip = new vscode.MarkdownString().appendText(`${e.requestId}\n${e.subjectRef ?? ''}\n${short(e.stateHashBefore)} → ${short(e.stateHashAfter)}`);
    item.iconPath = new vscode.ThemeIcon(e.action === 'refuse' ? 'circle-slash' : e.certified ? 'verified' : 'history');
    item.contextValue = 'deletionRequest';
    return item;
  }
}

export class AuditLogTree extends AuditTreeBase {
  async getChildren(node?: AuditEntryView): Promise<AuditEntryView[]> {
    return node ? [] : (await this.entries()).reverse();
  }
  getTreeItem(e: AuditEntryView): vscode.TreeItem {
    const item = new vscode.TreeItem(`#${e.seq} ${e.action}`);
    item.id = `audit:${e.seq}`;
    item.description = `${e.time} · ${short(e.stateHashAfter)}`;
    item.tooltip = new vscode.MarkdownString().appendText(JSON.stringify(e, null, 2));
    item.iconPath = new vscode.ThemeIcon(e.action === 'erase' ? 'trash' : e.action === 'verify' ? (e.verifiedEqual === false ? 'error' : 'verified') : 'note');
    return item;
  }
}
