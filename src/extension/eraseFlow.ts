// Erasure as the user sees it: progress with a real Cancel, then a receipt message.
import * as vscode from 'vscode';
import { eraseExamples, findMatches, type DeletionReceipt, type EraseWorkspace } from '../core/workspace';
import type { EraseService } from './eraseService';
import { log } from './log';
import { withCancellableProgress } from './progress';

export type Receipt = DeletionReceipt;

export async function eraseWithReceipt(service: EraseService, ids: string[], meta: { requester?: string; reason?: string }): Promise<Receipt> {
  const receipt = await withCancellableProgress(vscode.l10n.t('Erasing {0} example(s)', ids.length), (signal) =>
    service.run((ws) => eraseExamples(ws, { ids, requester: meta.requester, reason: meta.reason }, { signal })));
  // ids and hashes only: the receipt never carries the erased text
  log.info(`erased ${receipt.erasedIds.length} example(s), request ${receipt.requestId}, certified=${receipt.certified}, retrained=${receipt.retrained}, ${receipt.ms.toFixed(1)} ms, state ${receipt.stateHashAfter.slice(0, 16)}`);
  void vscode.window.showInformationMessage(
    receipt.certified
      ? vscode.l10n.t('Erased {0} example(s): certified deletion, no retraining needed. Request {1}.', receipt.erasedIds.length, receipt.requestId)
      : vscode.l10n.t('Erased {0} example(s): the clustering was retrained. Request {1}.', receipt.erasedIds.length, receipt.requestId),
  );
  return receipt;
}

/** Ids of the examples a deletion request by text would erase (core's matcher, ignoring case). */
export function matchingIds(ws: EraseWorkspace, text: string): string[] {
  return findMatches(ws.loadDataset().examples, { text, ignoreCase: true }).map((e) => e.id);
}
