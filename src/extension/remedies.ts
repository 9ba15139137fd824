import * as vscode from 'vscode';
import { UserError, type Remedy } from '../core';

/** Core names the step that resolves an error; the editor words it as the command to use. */
function remedyText(r: Remedy): string {
  switch (r) {
    case 'cluster':
      return vscode.l10n.t('use "ERASE: Cluster" to train again from the data file');
    case 'reconcile':
      return vscode.l10n.t('save the data file and use "ERASE: Cluster" or wait for the hand edits to be reconciled');
    case 'verify':
      return vscode.l10n.t('use "ERASE: Verify" to retrain and compare');
    case 'audit-verify':
      return vscode.l10n.t('use "ERASE: Verify Audit Log" to see what is wrong');
    case 'init':
      return vscode.l10n.t('open a folder with a data set, or import one with "ERASE: Import"');
  }
}

/** One line for a user: the error and, when core names one, what to do about it. */
export function describeError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return e instanceof UserError && e.remedy ? `${message}; ${remedyText(e.remedy)}` : message;
}
