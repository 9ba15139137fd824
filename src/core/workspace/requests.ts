import { randomUUID } from 'node:crypto';
import { UserError } from '../errors';
import { appendEntry, readLog } from '../audit';
import type { Example } from '../dataset/types';
import { RequestStore, defaultDeadline, type DeletionRequestRecord, type RequestMatch, type RequestStatus } from '../requests/store';
import { eraseExamples, keyStoreFor, TOOL_VERSION, type DeletionReceipt } from './erasure';
import { findMatches } from './matching';
import { loadMeta, loadState } from './persisted';
import type { EraseWorkspace, WorkOptions } from './workspace';
import { join } from 'node:path';

export function requestStore(ws: EraseWorkspace): RequestStore {
  return RequestStore.load(join(ws.paths.dir, 'requests.json'));
}

export interface NewRequest {
  readonly requestId?: string;
  readonly requester?: string;
  readonly subjectRef?: string;
  readonly reason?: string;
  readonly match: RequestMatch;
  readonly deadlineDays?: number;
  readonly time?: string;
}

function matchExamples(examples: readonly Example[], m: RequestMatch, ids?: readonly string[]): Example[] {
  if (m.kind === 'ids') {
    const want = new Set(ids ?? []);
    return examples.filter((e) => want.has(e.id));
  }
  return findMatches(examples, { text: m.kind === 'text' ? m.value : undefined, regex: m.kind === 'regex' ? m.value : undefined, ignoreCase: m.ignoreCase });
}

const step = (r: DeletionRequestRecord, status: RequestStatus, time: string, changes: Partial<DeletionRequestRecord> = {}): DeletionRequestRecord => ({
  ...r,
  ...changes,
  status,
  history: [...r.history, { status, time }],
});

/** Records a request and matches it against the data set at once (received → matched). */
export function receiveRequest(ws: EraseWorkspace, req: NewRequest & { ids?: readonly string[] }): { record: DeletionRequestRecord; preview: Example[] } {
  const store = requestStore(ws);
  const time = req.time ?? new Date().toISOString();
  const requestId = req.requestId ?? `REQ-${randomUUID()}`;
  if (store.get(requestId)) throw new UserError(`a deletion request ${requestId} exists already`, 'input');
  if (req.match.kind === 'ids' && !req.ids?.length) throw new UserError('a request by ids needs at least one id', 'usage');
  const preview = matchExamples(ws.loadDataset().examples, req.match, req.ids);
  const received: DeletionRequestRecord = {
    requestId,
    requester: req.requester,
    subjectRef: req.subjectRef,
    reason: req.reason,
    receivedAt: time,
    deadline: defaultDeadline(time, req.deadlineDays),
    status: 'received',
    match: req.match,
    matchedCount: 0,
    history: [{ status: 'received', time }],
  };
  const record = step(received, 'matched', time, { matchedIds: preview.map((e) => e.id), matchedCount: preview.length });
  store.upsert(record);
  return { record, preview };
}

/** What executing the request would erase now (the data may have changed since it was received). */
export function previewRequest(ws: EraseWorkspace, requestId: string): Example[] {
  const r = requestStore(ws).require(requestId);
  if (r.status !== 'matched' && r.status !== 'received') return [];
  return matchExamples(ws.loadDataset().examples, r.match, r.matchedIds);
}

/** Erases what the request matches; marks it erased, or verified when a retrain confirmed the state. */
export async function executeRequest(
  ws: EraseWorkspace,
  requestId: string,
  opts: WorkOptions & { verify?: boolean; unloadModel?: boolean; time?: string } = {},
): Promise<{ record: DeletionRequestRecord; receipt: DeletionReceipt }> {
  const store = requestStore(ws);
  const r = store.require(requestId);
  if (r.status === 'refused') throw new UserError(`request ${requestId} was refused (${r.refusedReason ?? 'no reason'}); it cannot be executed`, 'input');
  const ids = r.status === 'erased' || r.status === 'verified' ? [] : previewRequest(ws, requestId).map((e) => e.id);
  const receipt = await eraseExamples(
    ws,
    { ids, requestId, requester: r.requester, subjectRef: r.subjectRef, reason: r.reason, verify: opts.verify, unloadModel: opts.unloadModel, time: opts.time },
    opts,
  );
  const record = recordErased(store, r, receipt, opts.time ?? new Date().toISOString());
  return { record, receipt };
}

/** Marks a request erased (and verified) from its receipt, dropping the match text and ids. */
function recordErased(store: RequestStore, r: DeletionRequestRecord, receipt: DeletionReceipt, time: string): DeletionRequestRecord {
  if (r.status === 'erased' || r.status === 'verified') return r;
  const erased = step(r, 'erased', time, {
    match: { kind: r.match.kind, ignoreCase: r.match.ignoreCase },
    matchedIds: undefined,
    matchedCount: receipt.alreadyDone ? r.matchedCount : receipt.erasedIds.length,
    receipt: {
      erasedCount: receipt.alreadyDone ? r.matchedCount : receipt.erasedIds.length,
      certified: receipt.certified,
      retrained: receipt.retrained,
      stateHashBefore: receipt.stateHashBefore,
      stateHashAfter: receipt.stateHashAfter,
      promptChanged: receipt.promptChanged,
      auditSeq: receipt.auditSeq,
      verifiedEqual: receipt.verification?.equal ?? null,
    },
  });
  const done = receipt.verification?.equal ? step(erased, 'verified', time) : erased;
  store.upsert(done);
  return done;
}

/** Erases ids directly (the `erase delete` path) and keeps a request record of it. */
export async function eraseAndRecord(
  ws: EraseWorkspace,
  req: {
    ids: readonly string[];
    requestId?: string;
    requester?: string;
    subjectRef?: string;
    reason?: string;
    match?: RequestMatch;
    verify?: boolean;
    unloadModel?: boolean;
    time?: string;
  },
  opts: WorkOptions = {},
): Promise<DeletionReceipt> {
  const store = requestStore(ws);
  const time = req.time ?? new Date().toISOString();
  const requestId = req.requestId ?? `REQ-${randomUUID()}`;
  let record = store.get(requestId);
  if (!record) {
    record = {
      requestId,
      requester: req.requester,
      subjectRef: req.subjectRef,
      reason: req.reason,
      receivedAt: time,
      deadline: defaultDeadline(time),
      status: 'matched',
      match: req.match ?? { kind: 'ids' },
      matchedCount: req.ids.length,
      history: [
        { status: 'received', time },
        { status: 'matched', time },
      ],
    };
  }
  const receipt = await eraseExamples(ws, { ...req, requestId }, opts);
  recordErased(store, record, receipt, time);
  return receipt;
}

/** Refuses a request (e.g. a legal hold): recorded in the audit log, nothing erased. */
export async function refuseRequest(ws: EraseWorkspace, requestId: string, reason: string, time = new Date().toISOString()): Promise<DeletionRequestRecord> {
  const store = requestStore(ws);
  const r = store.require(requestId);
  if (r.status !== 'received' && r.status !== 'matched') throw new UserError(`request ${requestId} is ${r.status}; only a waiting request can be refused`, 'input');
  const state = loadState(ws.paths);
  const meta = loadMeta(ws.paths);
  await ws.lock.acquire();
  try {
    const appended = await appendEntry(
      ws.paths.auditDir,
      {
        requestId,
        time,
        action: 'refuse',
        requester: r.requester,
        subjectRef: r.subjectRef,
        stateHashBefore: state?.hash ?? '',
        stateHashAfter: state?.hash ?? '',
        certified: false,
        retrained: false,
        promptChanged: false,
        toolVersion: TOOL_VERSION,
        notes: `refused: ${reason}`,
      },
      { keyStore: keyStoreFor(ws), expectedHead: meta?.auditHead },
    );
    if (meta) {
      const { saveMeta } = await import('./persisted');
      saveMeta(ws.paths, { ...meta, auditHead: appended.head });
    }
  } finally {
    ws.lock.release();
  }
  const refused = step(r, 'refused', time, { refusedReason: reason, matchedIds: undefined });
  store.upsert(refused);
  return refused;
}

/** The records, after bringing any left 'matched' by a crash after their erasure up to date. */
export async function listRequests(ws: EraseWorkspace): Promise<readonly DeletionRequestRecord[]> {
  const store = requestStore(ws);
  const waiting = store.list().filter((r) => r.status === 'matched' || r.status === 'received');
  if (waiting.length > 0) {
    const log = await readLog(ws.paths.auditDir).catch(() => null);
    for (const r of waiting) {
      const e = log?.entries.find((x) => x.requestId === r.requestId && x.action === 'erase');
      if (!e) continue;
      store.upsert({
        ...r,
        status: 'erased',
        match: { kind: r.match.kind, ignoreCase: r.match.ignoreCase },
        matchedIds: undefined,
        receipt: {
          erasedCount: e.erasedCount,
          certified: e.certified,
          retrained: e.retrained,
          stateHashBefore: e.stateHashBefore,
          stateHashAfter: e.stateHashAfter,
          promptChanged: e.promptChanged,
          auditSeq: e.seq,
          verifiedEqual: e.verification?.equal ?? null,
        },
        history: [...r.history, { status: 'erased', time: e.time }],
      });
    }
  }
  return store.list();
}
