/**
 * The erase use case, the one both front ends call: select the examples (by ids, text, pattern or
 * a recorded request), erase them in one audited transaction with their request record, and hand
 * back the receipt, the record and a residual-copy scan over the erased texts (held in memory
 * only). The CLI and the extension only gather input and render what this returns.
 */
import { basename } from 'node:path';
import type { Example } from '../dataset/types';
import { UserError } from '../errors';
import { hmacSha256Hex } from '../hash';
import type { ResidualReport } from '../residual';
import { readRequestsFile, type RequestLine } from '../requests/requestsFile';
import type { DeletionRequestRecord, RequestMatch } from '../requests/store';
import type { ErasureSession, MapDelta } from './erasureSession';
import { eraseExamples, keyStoreFor, type DeletionReceipt, type ErasureRequest } from './erasure';
import { prepareErasureChecks, type CheckRunOptions, type ErasureCheckReport, type ErasureChecks } from './erasureChecks';
import { findMatches } from './matching';
import { requestStore } from './requestRecords';
import { previewRequest } from './requests';
import { recordResidualScan, residualNeedles, scanWorkspace, type ScanScope } from './residuals';
import type { EraseWorkspace, WorkOptions } from './workspace';

export type EraseSelector =
  | { readonly kind: 'ids'; readonly ids: readonly string[] }
  | { readonly kind: 'text'; readonly text: string; readonly ignoreCase?: boolean }
  | { readonly kind: 'regex'; readonly pattern: string; readonly ignoreCase?: boolean }
  /** A recorded deletion request: what it matches now. */
  | { readonly kind: 'record'; readonly requestId: string };

export interface EraseRequestOptions extends WorkOptions, Pick<ErasureRequest, 'requestId' | 'requester' | 'subjectRef' | 'reason' | 'verify' | 'unloadModel'> {
  /** Prepare a residual-copy scan of the erased texts (default on); a scope narrows or widens where it looks. */
  readonly scan?: boolean | ScanScope;
  /** Follow-up checks after the erasure (leakage, near-duplicates left); what they need of the erased examples is taken before, in memory. */
  readonly checks?: ErasureChecks;
  /** A long-lived host's session for this workspace: the erasure takes its in-memory path (same transaction, same bytes). */
  readonly session?: ErasureSession;
  /** With a session: the map's change at the commit point, before the files are rewritten (null: draw it again whole). */
  readonly onCommitted?: (delta: MapDelta | null) => void;
}

export interface EraseOutcome {
  readonly receipt: DeletionReceipt;
  readonly record: DeletionRequestRecord | undefined;
  /** Runs the residual-copy scan (texts in memory only); null when scanning is off or nothing was erased now. */
  readonly scanResiduals: ((opts?: WorkOptions) => Promise<ResidualReport>) | null;
  /** Runs the follow-up checks and records their figures in the audit log; null when none were asked for or nothing was erased now. */
  readonly checkErasure: ((opts?: CheckRunOptions) => Promise<ErasureCheckReport>) | null;
}

/** The examples a selector matches now (the preview shown before anything is erased). */
export function selectExamples(ws: EraseWorkspace, selector: EraseSelector): Example[] {
  switch (selector.kind) {
    case 'ids':
      return ws.examplesByIds(selector.ids).examples;
    case 'text':
      return findMatches(ws.loadDataset().examples, { text: selector.text, ignoreCase: selector.ignoreCase });
    case 'regex':
      return findMatches(ws.loadDataset().examples, { regex: selector.pattern, ignoreCase: selector.ignoreCase });
    case 'record':
      return previewRequest(ws, selector.requestId);
  }
}

function matchOf(selector: EraseSelector): RequestMatch {
  if (selector.kind === 'text') return { kind: 'text', ignoreCase: selector.ignoreCase };
  if (selector.kind === 'regex') return { kind: 'regex', ignoreCase: selector.ignoreCase };
  return { kind: 'ids' };
}

/** Erases what the selector matches, as one audited transaction, and records the request. */
export async function eraseRequest(ws: EraseWorkspace, selector: EraseSelector, opts: EraseRequestOptions = {}): Promise<EraseOutcome> {
  let requestId = opts.requestId;
  let ids: string[];
  let matched: Example[] | null = null;
  let recordFields: { requester?: string; subjectRef?: string; reason?: string } = opts;
  if (selector.kind === 'record') {
    const r = requestStore(ws).require(selector.requestId);
    if (r.status === 'refused') throw new UserError(`request ${r.requestId} was refused (${r.refusedReason ?? 'no reason'}); it cannot be executed`, 'input');
    requestId = r.requestId;
    recordFields = r;
    ids = r.status === 'erased' || r.status === 'verified' ? [] : previewRequest(ws, r.requestId).map((e) => e.id);
  } else {
    matched = selectExamples(ws, selector);
    if (selector.kind === 'ids') {
      const known = new Set(matched.map((e) => e.id));
      const unknown = selector.ids.filter((id) => !known.has(id));
      if (unknown.length > 0 && !requestId)
        throw new UserError(`${unknown.length} of the ids are not in the data set (first: ${JSON.stringify(unknown[0])}); list the ids with status`, 'input');
      ids = [...selector.ids];
    } else {
      ids = matched.map((e) => e.id);
    }
    if (ids.length === 0 && !requestId) throw new UserError('no example matches; nothing was erased', 'input');
  }
  // Read before they are gone; memory only.
  const wantScan = opts.scan !== false;
  // By ids, what matched is what is erased: the data-file index is not read twice.
  const erasing = selector.kind === 'ids' && matched !== null && ids.length === matched.length ? matched : selectExamples(ws, { kind: 'ids', ids });
  const needles = wantScan ? residualNeedles(erasing) : [];
  const checks = opts.checks && erasing.length > 0 ? await prepareErasureChecks(ws, erasing, opts.checks, opts) : null;
  if (opts.session && opts.session.ws !== ws) throw new Error('internal: an erasure session of another workspace');
  const erase = (req: ErasureRequest, o: WorkOptions) => (opts.session ? opts.session.erase(req, o, undefined, opts.onCommitted) : eraseExamples(ws, req, o));
  const receipt = await erase(
    {
      ids,
      requestId,
      requester: recordFields.requester,
      subjectRef: recordFields.subjectRef,
      reason: recordFields.reason,
      verify: opts.verify,
      unloadModel: opts.unloadModel,
      time: opts.time,
      record:
        selector.kind === 'record'
          ? undefined
          : { requester: opts.requester, subjectRef: opts.subjectRef, reason: opts.reason, match: matchOf(selector), matchedCount: ids.length },
    },
    opts,
  );
  const scope = typeof opts.scan === 'object' ? opts.scan : {};
  return {
    receipt,
    record: requestStore(ws).get(receipt.requestId),
    scanResiduals:
      wantScan && !receipt.alreadyDone && needles.length > 0
        ? async (o: WorkOptions = {}) => {
            const report = await scanWorkspace(ws, needles, { ...scope, ...o, erasedIds: receipt.erasedIds });
            // Counts only, kept with the request: the dashboard's "residual copies outstanding".
            await recordResidualScan(ws, receipt.requestId, report, o.time);
            return report;
          }
        : null,
    checkErasure: checks && !receipt.alreadyDone ? (o = {}) => checks(receipt.requestId, o) : null,
  };
}

export type RequestsFileResult =
  | { readonly line: number; readonly requestId: string; readonly outcome: EraseOutcome }
  | { readonly line: number; readonly requestId: string; readonly error: UserError };

/**
 * A requests file: one transaction per request. A failing request is reported and the others
 * still run; a request without an id gets one derived from its line (keyed, so the id reveals
 * nothing of the match text), so a re-run resumes where the last one stopped.
 */
export async function eraseRequestsFile(
  ws: EraseWorkspace,
  path: string,
  opts: Omit<EraseRequestOptions, 'requestId' | 'requester' | 'subjectRef' | 'reason'> = {},
): Promise<RequestsFileResult[]> {
  const requests = readRequestsFile(path);
  const key = await keyStoreFor(ws).getOrCreateHmacKey();
  const results: RequestsFileResult[] = [];
  for (const rq of requests) {
    const requestId = rq.requestId ?? `${basename(path)}#${rq.line}-${hmacSha256Hex(key, `erase-workbench/requests-file\0${lineKey(rq)}`).slice(0, 20)}`;
    try {
      const outcome = await eraseRequest(ws, selectorOf(rq), { ...opts, requestId, requester: rq.requester, subjectRef: rq.subjectRef, reason: rq.reason });
      results.push({ line: rq.line, requestId, outcome });
    } catch (e) {
      if (!(e instanceof UserError)) throw e; // an I/O or internal error stops the batch
      results.push({ line: rq.line, requestId, error: e });
    }
  }
  return results;
}

function selectorOf(rq: RequestLine): EraseSelector {
  if (rq.ids) return { kind: 'ids', ids: rq.ids };
  if (rq.regex !== undefined) return { kind: 'regex', pattern: rq.regex, ignoreCase: rq.ignoreCase };
  return { kind: 'text', text: rq.match ?? '', ignoreCase: rq.ignoreCase };
}

function lineKey(rq: RequestLine): string {
  return JSON.stringify([rq.ids ?? null, rq.match ?? null, rq.regex ?? null, rq.ignoreCase ?? false, rq.requester ?? null, rq.subjectRef ?? null]);
}
