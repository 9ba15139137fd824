// Converts core results into the plain protocol shapes the webview and the trees show.
import * as path from 'node:path';
import { readLog, type Example, isOverdue, type DeletionRequestRecord, type DeletionReceipt, type EraseWorkspace } from '../core';
import { emptyMapView, NO_CLUSTER, NO_LABEL_INDEX } from '../shared/protocol';
import type { AuditEntryView, ExampleDetail, MapView, PreviewView, ReceiptView, RequestView, StatusView } from '../shared/protocol';
import { readSettings } from './settings';

export function statusView(ws: EraseWorkspace | undefined, ollamaReachable: boolean | null): StatusView {
  const s = readSettings();
  if (!ws) {
    return {
      dataFile: '',
      n: 0,
      distinct: 0,
      k: s.k,
      stateHash: '',
      clustered: false,
      certifiedDeletions: 0,
      totalDeletions: 0,
      malformed: 0,
      duplicates: 0,
      ollamaHost: s.ollamaHost,
      ollamaModel: s.ollamaModel,
      ollamaReachable,
    };
  }
  const st = ws.status();
  return {
    dataFile: ws.dataFile,
    n: st.n,
    distinct: st.distinct,
    k: st.k,
    stateHash: st.stateHash ?? '',
    clustered: st.clustered,
    certifiedDeletions: st.deletions.certified,
    totalDeletions: st.deletions.certified + st.deletions.retrained,
    malformed: st.malformed.length,
    duplicates: st.duplicates,
    ollamaHost: s.ollamaHost,
    ollamaModel: s.ollamaModel,
    ollamaReachable,
  };
}

/** The map's points as binary arrays (postMessage sends typed arrays as buffers, not as JSON numbers). */
export async function mapView(ws: EraseWorkspace, signal?: AbortSignal): Promise<MapView> {
  // the picture file of the current state when there is one: no status, no data set, no vectors read
  const m = await ws.mapPicture({ signal });
  if (!m) return emptyMapView();
  const n = m.ids.length;
  const xy = new Float32Array(2 * n);
  const cluster = new Uint16Array(n);
  const label = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = m.x[i];
    xy[2 * i + 1] = m.y[i];
    cluster[i] = m.cluster[i] >= 0 ? m.cluster[i] : NO_CLUSTER;
    label[i] = m.label[i] < 0 ? NO_LABEL_INDEX : m.label[i];
  }
  const representatives = m.representatives.filter((r): r is string => r !== null);
  return { ids: [...m.ids], xy, cluster, representatives, labelNames: [...m.labelNames], label };
}

export function exampleDetail(ws: EraseWorkspace, id: string): ExampleDetail | undefined {
  const e = ws.examples().find((x) => x.id === id);
  if (!e) return undefined;
  return {
    id: e.id,
    input: e.input,
    output: e.output,
    ...(e.label !== undefined ? { label: e.label } : {}),
    lines: [...e.lines],
    cluster: e.cluster ?? -1,
    isRepresentative: e.isRepresentative,
    multiplicity: e.multiplicity,
  };
}

export function receiptView(r: DeletionReceipt): ReceiptView {
  return {
    requestId: r.requestId,
    erasedIds: [...r.erasedIds],
    certified: r.certified,
    retrained: r.retrained,
    ms: r.ms,
    stateHashBefore: r.stateHashBefore,
    stateHashAfter: r.stateHashAfter,
    promptChanged: r.promptChanged,
    promptChanges: r.promptChanges.map((c) => ({ cluster: c.cluster, left: c.left, replacedBy: c.replacedBy })),
    provenance: r.provenance ? { mode: r.provenance.mode, completions: r.provenance.completions } : null,
  };
}

/** The audit log as shown (newest last). Read from core's audit library; never holds example text. */
export async function auditView(ws: EraseWorkspace): Promise<AuditEntryView[]> {
  const { entries } = await readLog(path.join(ws.stateDir, 'audit'));
  return entries.map((e) => ({
    seq: e.seq,
    time: e.time,
    action: e.action,
    requestId: e.requestId,
    ...(e.requester ? { requester: e.requester } : {}),
    ...(e.subjectRef ? { subjectRef: e.subjectRef } : {}),
    erasedCount: e.erasedCount,
    certified: e.certified,
    retrained: e.retrained,
    promptChanged: e.promptChanged,
    stateHashBefore: e.stateHashBefore,
    stateHashAfter: e.stateHashAfter,
    ...(e.verification ? { verifiedEqual: e.verification.equal } : {}),
    ...(e.notes ? { notes: e.notes } : {}),
  }));
}

/** A request record as shown: status, dates, counts and the receipt; not the match text. */
export function requestView(r: DeletionRequestRecord, now = new Date().toISOString()): RequestView {
  const rc = r.receipt;
  return {
    requestId: r.requestId,
    status: r.status,
    ...(r.requester ? { requester: r.requester } : {}),
    ...(r.subjectRef ? { subjectRef: r.subjectRef } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    receivedAt: r.receivedAt,
    deadline: r.deadline,
    overdue: isOverdue(r, now),
    matchKind: r.match.kind,
    matchedCount: r.matchedCount,
    ...(r.refusedReason ? { refusedReason: r.refusedReason } : {}),
    ...(rc
      ? {
          receipt: {
            erasedCount: rc.erasedCount,
            certified: rc.certified,
            retrained: rc.retrained,
            stateHashAfter: rc.stateHashAfter,
            auditSeq: rc.auditSeq,
            verifiedEqual: rc.verifiedEqual,
          },
        }
      : {}),
  };
}

export const MAX_PREVIEW = 200;

/** What a request would erase, as text (the webview renders it with textContent). */
export function previewView(examples: readonly Example[]): PreviewView {
  return {
    preview: examples.slice(0, MAX_PREVIEW).map((e) => ({ id: e.id, input: e.input, output: e.output, lines: [...e.lines] })),
    total: examples.length,
  };
}
