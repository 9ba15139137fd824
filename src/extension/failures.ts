// Failures the user started (an erasure from the webview or a command) are shown, never only
// logged: an error message with what to do and buttons for the next step. Each error is shown
// once even when it passes through both the webview router and a command handler.
import * as vscode from 'vscode';
import { UserError } from '../core';
import { log } from './log';
import { describeError } from './remedies';
import { isCancelled } from './progress';

const shown = new WeakSet<object>();

/** The next step for a failure, from core's one-line message (which never quotes example text). */
export function nextStep(message: string): { hint: string; verifyAudit: boolean } {
  if (/audit log does not verify|audit log changed while appending/.test(message)) {
    return {
      hint: vscode.l10n.t('Nothing was erased. Run "ERASE: Verify audit log" to see what is wrong with the audit log, and restore it from a backup if it was damaged.'),
      verifyAudit: true,
    };
  }
  if (/audit (HMAC|signing) key|audit keys in SecretStorage/.test(message)) {
    return {
      hint: vscode.l10n.t('Nothing was erased. Restore the audit keys (.erase/keys/) from a backup, or remove the damaged copy so new keys are added to the log.'),
      verifyAudit: false,
    };
  }
  return { hint: vscode.l10n.t('See "ERASE: Show log" for details.'), verifyAudit: false };
}

/** Logs and shows `e` (unless it is a cancellation or was shown already). `what` names the action, `source` the command or request for the log. */
export function notifyFailure(what: string, e: unknown, source = what): void {
  if (isCancelled(e)) {
    log.info(`${source} cancelled`);
    return;
  }
  if (typeof e === 'object' && e !== null) {
    if (shown.has(e)) return;
    shown.add(e);
  }
  const msg = describeError(e); // core's message and, where core names one, the step that resolves it
  log.error(`${source} failed: ${msg}`);
  const step = nextStep(msg);
  const hint = e instanceof UserError && e.remedy ? '' : step.hint;
  const verifyAudit = step.verifyAudit || (e instanceof UserError && e.remedy === 'audit-verify');
  const showLog = vscode.l10n.t('Show log');
  const verify = vscode.l10n.t('Verify audit log');
  void vscode.window.showErrorMessage(hint ? `${what}: ${msg} ${hint}` : `${what}: ${msg}`, ...(verifyAudit ? [verify, showLog] : [showLog])).then((pick) => {
    if (pick === showLog) void vscode.commands.executeCommand('erase.showLog');
    else if (pick === verify) void vscode.commands.executeCommand('erase.verifyAuditLog');
  });
}

/** Registers a command whose failures are shown (notifyFailure) instead of escaping to VS Code's generic error. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers take the typed arguments VS Code or a script passes them (tree items, URIs)
export function registerReportingCommand(id: string, fn: (...args: any[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await fn(...args);
    } catch (e) {
      notifyFailure(vscode.l10n.t('ERASE'), e, id);
      return undefined;
    }
  });
}
