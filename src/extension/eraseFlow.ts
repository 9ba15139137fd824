// Erasure as the user sees it: progress with a real Cancel, a receipt message, a request record
// for every erasure (core's eraseAndRecord / executeRequest), then — when
// erase.scanResidualsAfterErase is on — a scan for copies of the erased texts left
// elsewhere. The texts are read just before the erasure and live only in memory until the scan ends.
import * as vscode from 'vscode';
import type { RequestMatch } from '../core/requests/store';
import { findMatches, type DeletionReceipt, type EraseWorkspace } from '../core/workspace';
import { eraseAndRecord, executeRequest, previewRequest } from '../core/workspace/requests';
import type { EraseService } from './eraseService';
import { notifyFailure } from './failures';
import { log } from './log';
import { withCancellableProgress } from './progress';
import { collectNeedles, scanAfterEraseEnabled, scanScope, type ResidualsTree } from './residuals';

export type Receipt = DeletionReceipt;

/** Set once at activation: where residual scans report. */
let residuals: ResidualsTree | undefined;
export function setResidualsTree(t: ResidualsTree | undefined): void {
  residuals = t;
}

export interface EraseMeta {
  requester?: string;
  reason?: string;
  subjectRef?: string;
  match?: RequestMatch;
}

/** Erases ids directly (map, inspector, commands); core keeps a request record of it. */
export async function eraseWithReceipt(service: EraseService, ids: string[], meta: EraseMeta): Promise<Receipt> {
  return runErasure(
    service,
    vscode.l10n.t('Erasing {0} example(s)', ids.length),
    () => ids,
    (ws, signal) => eraseAndRecord(ws, { ids, requester: meta.requester, reason: meta.reason, subjectRef: meta.subjectRef, match: meta.match }, { signal }),
  );
}

/** Executes a recorded deletion request (what it matches now). */
export async function executeRequestWithReceipt(service: EraseService, requestId: string, opts: { verify?: boolean } = {}): Promise<Awaited<ReturnType<typeof executeRequest>>> {
  let record: Awaited<ReturnType<typeof executeRequest>>['record'] | undefined;
  const receipt = await runErasure(
    service,
    vscode.l10n.t('Executing deletion request {0}', requestId),
    (ws) => previewRequest(ws, requestId).map((e) => e.id),
    async (ws, signal) => {
      const r = await executeRequest(ws, requestId, { signal, verify: opts.verify });
      record = r.record;
      return r.receipt;
    },
  );
  return { record: record!, receipt };
}

async function runErasure(
  service: EraseService,
  title: string,
  idsOf: (ws: EraseWorkspace) => readonly string[],
  erase: (ws: EraseWorkspace, signal: AbortSignal) => Promise<Receipt>,
): Promise<Receipt> {
  const scan = scanAfterEraseEnabled() && residuals !== undefined;
  let done: { receipt: Receipt; needles: ReturnType<typeof collectNeedles>; scope: ReturnType<typeof scanScope> };
  try {
    done = await withCancellableProgress(title, (signal) =>
      service.run(async (ws) => {
        // read the texts before they are gone (memory only; never logged)
        const needles = scan ? collectNeedles(ws, idsOf(ws)) : [];
        const receipt = await erase(ws, signal);
        return { receipt, needles, scope: scanScope(ws) };
      }),
    );
  } catch (e) {
    // shown here, whoever started it (webview, command, script); the caller still gets the error
    notifyFailure(vscode.l10n.t('Erasure failed'), e, title);
    throw e;
  }
  const { receipt, needles, scope } = done;
  // ids and hashes only: the receipt never carries the erased text
  log.info(
    `erased ${receipt.erasedIds.length} example(s), request ${receipt.requestId}, certified=${receipt.certified}, retrained=${receipt.retrained}, ${receipt.ms.toFixed(1)} ms, state ${receipt.stateHashAfter.slice(0, 16)}`,
  );
  void vscode.window.showInformationMessage(
    receipt.certified
      ? vscode.l10n.t('Erased {0} example(s): certified deletion, no retraining needed. Request {1}.', receipt.erasedIds.length, receipt.requestId)
      : vscode.l10n.t('Erased {0} example(s): the clustering was retrained. Request {1}.', receipt.erasedIds.length, receipt.requestId),
  );
  if (scan && needles.length && receipt.erasedIds.length) void residuals!.scan(needles, scope, vscode.l10n.t('erasure {0}', receipt.requestId));
  return receipt;
}

/** Ids of the examples a deletion request by text would erase (core's matcher, ignoring case). */
export function matchingIds(ws: EraseWorkspace, text: string): string[] {
  return findMatches(ws.loadDataset().examples, { text, ignoreCase: true }).map((e) => e.id);
}
