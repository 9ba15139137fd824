import { randomUUID } from 'node:crypto';
import { UserError } from '../errors';
import type { Example } from '../dataset/types';
import { defaultDeadline, type DeletionRequestRecord, type RequestMatch } from '../requests/store';
import { eraseExamples, keyStoreFor, type DeletionReceipt } from './erasure';
import { findMatches } from './matching';
import { loadState } from './persisted';
import { requestStore, step } from './requestRecords';
import { runTransaction, unchangedStatePlan, withWorkspaceLock } from './transaction';
import type { EraseWorkspace, WorkOptions } from './workspace';

export { requestStore };

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

/** Records a request and matches it against the data set at once (received → matched), under the workspace lock. */
export async function receiveRequest(ws: EraseWorkspace, req: NewRequest & { ids?: readonly string[] }): Promise<{ record: DeletionRequestRecord; preview: Example[] }> {
  const time = req.time ?? new Date().toISOString();
  const requestId = req.requestId ?? `REQ-${randomUUID()}`;
  if (req.match.kind === 'ids' && !req.ids?.length) throw new UserError('a request by ids needs at least one id', 'usage');
  const preview = matchExamples(ws.loadDataset().examples, req.match, req.ids);
  return withWorkspaceLock(ws, keyStoreFor(ws), () => {
    const store = requestStore(ws);
    if (store.get(requestId)) throw new UserError(`a deletion request ${requestId} exists already`, 'input');
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
  });
}

/** What executing the request would erase now (the data may have changed since it was received). */
export function previewRequest(ws: EraseWorkspace, requestId: string): Example[] {
  const r = requestStore(ws).require(requestId);
  if (r.status !== 'matched' && r.status !== 'received') return [];
  return matchExamples(ws.loadDataset().examples, r.match, r.matchedIds);
}

/** Erases what the request matches; its record becomes erased (or verified) in the same transaction. */
export async function executeRequest(
  ws: EraseWorkspace,
  requestId: string,
  opts: WorkOptions & { verify?: boolean; unloadModel?: boolean; time?: string } = {},
): Promise<{ record: DeletionRequestRecord; receipt: DeletionReceipt }> {
  const r = requestStore(ws).require(requestId);
  if (r.status === 'refused') throw new UserError(`request ${requestId} was refused (${r.refusedReason ?? 'no reason'}); it cannot be executed`, 'input');
  const ids = r.status === 'erased' || r.status === 'verified' ? [] : previewRequest(ws, requestId).map((e) => e.id);
  const receipt = await eraseExamples(
    ws,
    { ids, requestId, requester: r.requester, subjectRef: r.subjectRef, reason: r.reason, verify: opts.verify, unloadModel: opts.unloadModel, time: opts.time },
    opts,
  );
  return { record: requestStore(ws).require(requestId), receipt };
}

/** Erases ids directly (the `erase delete` path) and keeps a request record of it, in the same transaction. */
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
  const record = { requester: req.requester, subjectRef: req.subjectRef, reason: req.reason, match: req.match ?? { kind: 'ids' as const }, matchedCount: req.ids.length };
  return eraseExamples(ws, { ...req, record }, opts);
}

/** Refuses a request (e.g. a legal hold) as one audited transaction: nothing erased, the record refused. */
export async function refuseRequest(ws: EraseWorkspace, requestId: string, reason: string, time = new Date().toISOString()): Promise<DeletionRequestRecord> {
  await runTransaction(ws, keyStoreFor(ws), async () => {
    const r = requestStore(ws).require(requestId);
    if (r.status !== 'received' && r.status !== 'matched') throw new UserError(`request ${requestId} is ${r.status}; only a waiting request can be refused`, 'input');
    const state = loadState(ws.paths);
    const hash = state?.hash ?? '';
    return {
      plan: unchangedStatePlan(hash, {
        action: 'refuse',
        requestId,
        entry: { time, requester: r.requester, subjectRef: r.subjectRef, notes: `refused: ${reason}` },
        recordUpdate: { kind: 'refused', requestId, time, reason },
      }),
      result: () => undefined,
    };
  });
  return requestStore(ws).require(requestId);
}

/** The deletion request records. */
export async function listRequests(ws: EraseWorkspace): Promise<readonly DeletionRequestRecord[]> {
  return requestStore(ws).list();
}
