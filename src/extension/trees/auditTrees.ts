// Trees "Deletion requests" (the request records: status, deadline, receipt) and "Audit log"
// (every entry). Both show counts and hashes only, never example text.
import * as vscode from 'vscode';
import { listRequests } from '../../core';
import type { AuditEntryView, RequestView } from '../../shared/protocol';
import type { EraseService } from '../eraseService';
import { auditView, requestView } from '../views';

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

/** "Deletion requests": the request records (core's request store), newest first. */
export class DeletionRequestsTree implements vscode.TreeDataProvider<RequestView>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly service: EraseService) {
    this.sub = service.onDidChange(() => this.changed.fire(undefined));
  }
  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
  async getChildren(node?: RequestView): Promise<RequestView[]> {
    if (node) return [];
    const ws = await this.service.get();
    if (!ws) return [];
    const now = new Date().toISOString();
    return (await this.service.run((w) => listRequests(w), false)).map((r) => requestView(r, now)).reverse();
  }
  getTreeItem(r: RequestView): vscode.TreeItem {
    const item = new vscode.TreeItem(r.requester || r.requestId);
    item.id = `req:${r.requestId}`;
    const parts = [statusLabel(r.status)];
    if (r.overdue) parts.push(vscode.l10n.t('OVERDUE'));
    if (r.subjectRef) parts.push(r.subjectRef);
    parts.push(r.receipt ? vscode.l10n.t('{0} erased', r.receipt.erasedCount) : vscode.l10n.t('{0} matched', r.matchedCount));
    parts.push(vscode.l10n.t('due {0}', r.deadline.slice(0, 10)));
    item.description = parts.join(' · ');
    const md = new vscode.MarkdownString();
    md.appendText(`${r.requestId}\n${vscode.l10n.t('Status')}: ${statusLabel(r.status)}${r.overdue ? ' (' + vscode.l10n.t('OVERDUE') + ')' : ''}\n`);
    md.appendText(
      `${vscode.l10n.t('Requester')}: ${r.requester ?? '—'}\n${vscode.l10n.t('Subject ref')}: ${r.subjectRef ?? '—'}\n${vscode.l10n.t('Reason')}: ${r.reason ?? '—'}\n`,
    );
    md.appendText(`${vscode.l10n.t('Received')}: ${r.receivedAt}\n${vscode.l10n.t('Deadline')}: ${r.deadline}\n${vscode.l10n.t('Matched')}: ${r.matchedCount} (${r.matchKind})\n`);
    if (r.refusedReason) md.appendText(`${vscode.l10n.t('Refused')}: ${r.refusedReason}\n`);
    if (r.receipt)
      md.appendText(
        `${vscode.l10n.t('Receipt')}: ${vscode.l10n.t('{0} erased', r.receipt.erasedCount)}, ${r.receipt.certified ? vscode.l10n.t('certified') : vscode.l10n.t('retrained')}, ${vscode.l10n.t('audit entry')} #${r.receipt.auditSeq}, ${vscode.l10n.t('state')} ${short(r.receipt.stateHashAfter)}${r.receipt.verifiedEqual === true ? ', ' + vscode.l10n.t('verified equal') : ''}`,
      );
    item.tooltip = md;
    item.iconPath = r.overdue
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : new vscode.ThemeIcon(
          r.status === 'refused' ? 'circle-slash' : r.status === 'verified' ? 'verified' : r.status === 'erased' ? (r.receipt?.certified ? 'verified' : 'history') : 'inbox',
        );
    item.contextValue = `deletionRequest.${r.status}`;
    return item;
  }
}

function statusLabel(s: RequestView['status']): string {
  switch (s) {
    case 'received':
      return vscode.l10n.t('received');
    case 'matched':
      return vscode.l10n.t('waiting');
    case 'erased':
      return vscode.l10n.t('erased');
    case 'verified':
      return vscode.l10n.t('verified');
    case 'refused':
      return vscode.l10n.t('refused');
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
    item.iconPath = new vscode.ThemeIcon(iconFor(e));
    // a key reset is never hidden: it is what an auditor must look at first
    if (e.action === 'key-reset') item.description = `${e.time} · ${vscode.l10n.t('key reset: a signer with none of the earlier keys')}`;
    return item;
  }
}

function iconFor(e: AuditEntryView): string {
  if (e.action === 'erase') return 'trash';
  if (e.action === 'verify') return e.verifiedEqual === false ? 'error' : 'verified';
  if (e.action === 'key-reset') return 'warning';
  if (e.action === 'key-add' || e.action === 'hmac-key') return 'key';
  return 'note';
}
