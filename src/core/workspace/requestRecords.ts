/**
 * Deletion-request records (`.erase/requests.jsonl`, requests/recordLog.ts) as a transaction changes them. Each update is
 * applied after the audit entry commits, under the workspace lock, and is idempotent, so recovery
 * after a crash can apply it again from the intent and the entry alone.
 */
import type { AuditEntry } from '../audit';
import type { ResidualReport } from '../residual';
import { RequestStore, defaultDeadline, type DeletionRequestRecord, type RequestMatch, type RequestStatus, type ResidualScanSummary } from '../requests/store';
import type { EraseWorkspace } from './workspace';

export function requestStore(ws: EraseWorkspace): RequestStore {
  return RequestStore.open(ws.paths.dir);
}

/** A record to create when the erasure has none yet (erasures started by ids or text directly). */
export interface NewRecord {
  readonly requester?: string;
  readonly subjectRef?: string;
  readonly reason?: string;
  readonly receivedAt: string;
  readonly match: RequestMatch;
  readonly matchedCount: number;
}

export type RecordUpdate =
  | { readonly kind: 'erased'; readonly requestId: string; readonly time: string; readonly create?: NewRecord; readonly erasedCount: number; readonly updateMs?: number }
  | { readonly kind: 'refused'; readonly requestId: string; readonly time: string; readonly reason: string }
  | {
      readonly kind: 'forget-set-export';
      readonly requestId: string;
      readonly time: string;
      readonly forgetFile: string;
      readonly retainFile: string;
      readonly forgetCount: number;
      readonly retainCount: number;
    }
  | { readonly kind: 'weights-done'; readonly requestId: string; readonly time: string };

export const step = (r: DeletionRequestRecord, status: RequestStatus, time: string, changes: Partial<DeletionRequestRecord> = {}): DeletionRequestRecord => ({
  ...r,
  ...changes,
  status,
  history: [...r.history, { status, time }],
});

export function newRecord(requestId: string, c: NewRecord): DeletionRequestRecord {
  return {
    requestId,
    requester: c.requester,
    subjectRef: c.subjectRef,
    reason: c.reason,
    receivedAt: c.receivedAt,
    deadline: defaultDeadline(c.receivedAt),
    status: 'matched',
    match: c.match,
    matchedCount: c.matchedCount,
    history: [
      { status: 'received', time: c.receivedAt },
      { status: 'matched', time: c.receivedAt },
    ],
  };
}

/** The record after an erasure: the match text and ids are dropped (they may be personal data). */
export function erasedRecord(r: DeletionRequestRecord, entry: AuditEntry, erasedCount: number, time: string, updateMs?: number): DeletionRequestRecord {
  const erased = step(r, 'erased', time, {
    match: { kind: r.match.kind, ignoreCase: r.match.ignoreCase },
    matchedIds: undefined,
    matchedCount: erasedCount,
    receipt: {
      erasedCount,
      certified: entry.certified,
      retrained: entry.retrained,
      stateHashBefore: entry.stateHashBefore,
      stateHashAfter: entry.stateHashAfter,
      promptChanged: entry.promptChanged,
      auditSeq: entry.seq,
      verifiedEqual: entry.verification?.equal ?? null,
      updateMs,
    },
  });
  return entry.verification?.equal ? step(erased, 'verified', time) : erased;
}

export function applyRecordUpdate(ws: EraseWorkspace, u: RecordUpdate, entry: AuditEntry): DeletionRequestRecord | undefined {
  const store = requestStore(ws);
  store.settle(u.requestId); // a roll-forward may find the change made but older versions not yet blanked
  let r = store.get(u.requestId);
  if (u.kind === 'erased') {
    if (!r && u.create) r = newRecord(u.requestId, u.create);
    if (!r) return undefined;
    if (r.status === 'erased' || r.status === 'verified') return r;
    const done = erasedRecord(r, entry, u.erasedCount, u.time, u.updateMs);
    store.upsert(done);
    return done;
  }
  if (u.kind === 'forget-set-export' || u.kind === 'weights-done') {
    if (!r) return undefined;
    const next = weightUnlearningUpdate(r, u, entry);
    if (next !== r) store.upsert(next);
    return next;
  }
  if (!r || r.status === 'refused') return r;
  const refused = step(r, 'refused', u.time, { refusedReason: u.reason, matchedIds: undefined });
  store.upsert(refused);
  return refused;
}

/** The record after a forget-set export (pending) or after the weights were unlearned (done); the same record again when already applied. */
function weightUnlearningUpdate(r: DeletionRequestRecord, u: Extract<RecordUpdate, { kind: 'forget-set-export' | 'weights-done' }>, entry: AuditEntry): DeletionRequestRecord {
  const w = r.weightUnlearning;
  if (u.kind === 'weights-done') {
    if (!w || w.doneAuditSeq === entry.seq) return r;
    return { ...r, weightUnlearning: { ...w, status: 'done', doneAt: u.time, doneAuditSeq: entry.seq } };
  }
  const exports = w?.exports ?? [];
  if (exports.some((e) => e.auditSeq === entry.seq)) return r;
  const added = { time: u.time, auditSeq: entry.seq, forgetFile: u.forgetFile, retainFile: u.retainFile, forgetCount: u.forgetCount, retainCount: u.retainCount };
  return { ...r, weightUnlearning: { status: 'pending', exports: [...exports, added] } };
}

/** Counts of a residual report, as kept in the request record (no text, no path). */
export function residualSummary(report: ResidualReport, time: string): ResidualScanSummary {
  return {
    time,
    copies: report.hits.length,
    localHistory: report.localHistory?.length ?? 0,
    filesScanned: report.filesScanned,
    revisionsScanned: report.revisionsScanned,
    skipped: report.skipped.length,
  };
}
