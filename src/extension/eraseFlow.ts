// Erasure as the editor shows it: cancellable progress around core's erase use case
// (eraseRequest: one audited transaction with its request record), a receipt message, and —
// when erase.scanResidualsAfterErase is on — the residual-copy scan core hands back, run in the
// background into the Residual copies view. Any failure is shown to the user with what to do.
import * as vscode from 'vscode';
import {
  type RequestMatch,
  type DeletionRequestRecord,
  eraseRequest,
  findMatches,
  mapDeltaAfter,
  type DeletionReceipt,
  type EraseSelector,
  type EraseWorkspace,
  type MapDelta,
} from '../core';
import { reconcileEditorCopy, refuseIfDirty, type EditorCopyOutcome } from './editorCopy';
import type { EraseService } from './eraseService';
import { notifyFailure } from './failures';
import { log } from './log';
import { withCancellableProgress } from './progress';
import { scanAfterEraseEnabled, scanScope, type ResidualsTree } from './residuals';

export type Receipt = DeletionReceipt;

/** Set once at activation: where residual scans report. */
let residuals: ResidualsTree | undefined;
export function setResidualsTree(t: ResidualsTree | undefined): void {
  residuals = t;
}

/** The check of the data file's open editor after the last erasure. */
let lastEditorCopy: Promise<EditorCopyOutcome> = Promise.resolve('not-open');
/** What that check found (tests wait for it). */
export function editorCopyChecked(): Promise<EditorCopyOutcome> {
  return lastEditorCopy;
}

const erasedListeners = new Set<(ids: readonly string[]) => void>();
const mapDeltaListeners = new Set<(delta: MapDelta | null) => void>();
const scanListeners = new Set<() => void>();

/** Called when an erasure's residual-copy scan has finished (its counts are in the request record). */
export function onResidualScan(fn: () => void): vscode.Disposable {
  scanListeners.add(fn);
  return { dispose: () => scanListeners.delete(fn) };
}

/** Called after every erasure made in this window (the workbench tells its webview to forget those ids). */
export function onErased(fn: (ids: readonly string[]) => void): vscode.Disposable {
  erasedListeners.add(fn);
  return { dispose: () => erasedListeners.delete(fn) };
}

/**
 * Called inside the erasure's turn of the service queue, before the change event: what the map
 * must change (the erased points alone), or null when it must be drawn whole (a retrain).
 */
export function onMapDelta(fn: (delta: MapDelta | null) => void): vscode.Disposable {
  mapDeltaListeners.add(fn);
  return { dispose: () => mapDeltaListeners.delete(fn) };
}

export interface EraseMeta {
  requester?: string;
  reason?: string;
  subjectRef?: string;
  match?: RequestMatch;
}

/**
 * Refuses before the user is asked anything (who requested it, a confirmation) when the data file
 * has unsaved changes; runErasure checks again under the service queue, where it counts.
 */
export function refuseWhileDataFileDirty(service: EraseService): void {
  const ws = service.current();
  if (!ws) return;
  try {
    refuseIfDirty(ws.dataFile);
  } catch (e) {
    notifyFailure(vscode.l10n.t('Erasure failed'), e);
    throw e;
  }
}

/** Erases ids directly (map, inspector, commands); core keeps a request record of it. */
export async function eraseWithReceipt(service: EraseService, ids: string[], meta: EraseMeta): Promise<Receipt> {
  const { receipt } = await runErasure(service, vscode.l10n.t('Erasing {0} example(s)', ids.length), { kind: 'ids', ids }, meta);
  return receipt;
}

/** Executes a recorded deletion request (what it matches now). */
export async function executeRequestWithReceipt(
  service: EraseService,
  requestId: string,
  opts: { verify?: boolean } = {},
): Promise<{ record: DeletionRequestRecord; receipt: Receipt }> {
  const { receipt, record } = await runErasure(service, vscode.l10n.t('Executing deletion request {0}', requestId), { kind: 'record', requestId }, {}, opts.verify);
  return { receipt, record: record! };
}

async function runErasure(
  service: EraseService,
  title: string,
  selector: EraseSelector,
  meta: EraseMeta,
  verify?: boolean,
): Promise<{ receipt: Receipt; record: DeletionRequestRecord | undefined }> {
  const scan = scanAfterEraseEnabled() && residuals !== undefined;
  let outcome;
  try {
    outcome = await withCancellableProgress(title, (signal) =>
      service.run(async (ws) => {
        // before anything is erased: a dirty buffer of the data file would write erased lines back on save
        refuseIfDirty(ws.dataFile);
        const scope = scanScope(ws);
        // A certified erasure's map change is known at the commit point: shown there, while the
        // files are rewritten under the lock. Anything else (a retrain) redraws once applied.
        let shown = false;
        const o = await eraseRequest(ws, selector, {
          signal,
          verify,
          requester: meta.requester,
          reason: meta.reason,
          subjectRef: meta.subjectRef,
          scan: scan ? scope : false,
          session: service.erasureSession(ws),
          onCommitted: (delta) => {
            if (delta === null) return;
            shown = true;
            for (const fn of mapDeltaListeners) fn(delta);
          },
        });
        if (!o.receipt.alreadyDone && !shown) {
          const delta = mapDeltaAfter(ws, o.receipt);
          for (const fn of mapDeltaListeners) fn(delta);
        }
        return { ...o, scope, dataFile: ws.dataFile };
      }),
    );
  } catch (e) {
    // shown here, whoever started it (webview, command, script); the caller still gets the error
    notifyFailure(vscode.l10n.t('Erasure failed'), e, title);
    throw e;
  }
  const { receipt, record, scanResiduals: runScan, scope } = outcome;
  lastEditorCopy = reconcileEditorCopy(outcome.dataFile, receipt.erasedIds).catch((e: unknown) => {
    log.warn(`could not check the open editor of the data file: ${e instanceof Error ? e.message : String(e)}`);
    return 'stale' as const;
  });
  // ids and hashes only: the receipt never carries the erased text
  log.info(
    `erased ${receipt.erasedIds.length} example(s), request ${receipt.requestId}, certified=${receipt.certified}, retrained=${receipt.retrained}, ${receipt.ms.toFixed(1)} ms, state ${receipt.stateHashAfter.slice(0, 16)}`,
  );
  void vscode.window.showInformationMessage(
    (receipt.certified
      ? vscode.l10n.t('Erased {0} example(s): certified deletion, no retraining needed. Request {1}.', receipt.erasedIds.length, receipt.requestId)
      : vscode.l10n.t('Erased {0} example(s): the clustering was retrained. Request {1}.', receipt.erasedIds.length, receipt.requestId)) + receiptExtras(receipt),
  );
  for (const fn of erasedListeners) fn(receipt.erasedIds);
  if (runScan && residuals)
    void residuals
      .show((signal) => runScan({ signal }), receipt.erasedIds.length, scope, vscode.l10n.t('erasure {0}', receipt.requestId))
      .then(() => {
        for (const fn of scanListeners) fn(); // core recorded the counts in the request: the dashboard re-reads them
      });
  return { receipt, record };
}

/** What the receipt adds when the prompt changed or recorded completions followed the erasure (ids and counts only). */
function receiptExtras(r: Receipt): string {
  const parts: string[] = [];
  if (r.promptChanges.length > 0) parts.push(vscode.l10n.t('The prompt changed: {0} representative(s) replaced (see the inspector).', r.promptChanges.length));
  if (r.provenance && r.provenance.completions > 0)
    parts.push(
      r.provenance.mode === 'erase'
        ? vscode.l10n.t('{0} recorded completion(s) that used an erased example were erased.', r.provenance.completions)
        : vscode.l10n.t('{0} recorded completion(s) that used an erased example are flagged for review (erase provenance --flagged).', r.provenance.completions),
    );
  return parts.length ? ' ' + parts.join(' ') : '';
}

/** Ids of the examples a deletion request by text would erase (core's matcher, ignoring case). */
export function matchingIds(ws: EraseWorkspace, text: string): string[] {
  return findMatches(ws.loadDataset().examples, { text, ignoreCase: true }).map((e) => e.id);
}
