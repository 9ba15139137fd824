import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../storage/atomicWrite';
import { UserError } from '../errors';

/** Lifecycle of a deletion request: received → matched → erased → verified, or refused. */
export type RequestStatus = 'received' | 'matched' | 'erased' | 'verified' | 'refused';

export interface RequestMatch {
  readonly kind: 'ids' | 'text' | 'regex';
  /** The text or pattern; dropped once the request is erased (it may itself be personal data). */
  readonly value?: string;
  readonly ignoreCase?: boolean;
}

export interface RequestReceipt {
  readonly erasedCount: number;
  readonly certified: boolean;
  readonly retrained: boolean;
  readonly stateHashBefore: string;
  readonly stateHashAfter: string;
  readonly promptChanged: boolean;
  readonly auditSeq: number;
  readonly verifiedEqual: boolean | null;
  /** Milliseconds of the clustering update (the certificate check, or the retrain); absent in records written before it was kept. */
  readonly updateMs?: number;
}

/** The last residual-copy scan for a request's erased texts: counts only, never a text or a path. */
export interface ResidualScanSummary {
  readonly time: string;
  /** Copies found (workspace files, git history and index). */
  readonly copies: number;
  /** Saved copies in the editor's Local History. */
  readonly localHistory: number;
  readonly filesScanned: number;
  readonly revisionsScanned: number;
  /** Places that could not be searched (too large, unreadable): a clean scan with skips is not proof. */
  readonly skipped: number;
}

export interface DeletionRequestRecord {
  readonly requestId: string;
  readonly requester?: string;
  /** An opaque reference to the data subject (a ticket number), never the subject's data. */
  readonly subjectRef?: string;
  readonly reason?: string;
  readonly receivedAt: string;
  readonly deadline: string;
  readonly status: RequestStatus;
  readonly match: RequestMatch;
  /** Ids matched while the request waits; removed when it is erased (the ids are content hashes). */
  readonly matchedIds?: readonly string[];
  readonly matchedCount: number;
  readonly refusedReason?: string;
  readonly receipt?: RequestReceipt;
  /** Set when its forget set was exported for a fine-tuned model: pending until that model's weights are unlearned. */
  readonly weightUnlearning?: WeightUnlearning;
  readonly residualScan?: ResidualScanSummary;
  readonly history: readonly { readonly status: RequestStatus; readonly time: string }[];
}

/** A forget/retain export for weight-based unlearning, as the request record keeps it (paths and counts, never text). */
export interface ForgetSetExport {
  readonly time: string;
  readonly auditSeq: number;
  /** Absolute paths of the forget and retain files written. */
  readonly forgetFile: string;
  readonly retainFile: string;
  readonly forgetCount: number;
  readonly retainCount: number;
}

export interface WeightUnlearning {
  readonly status: 'pending' | 'done';
  readonly exports: readonly ForgetSetExport[];
  readonly doneAt?: string;
  readonly doneAuditSeq?: number;
}

/** Deletion request records in `.erase/requests.json`, rewritten atomically on every change. */
export class RequestStore {
  private constructor(
    readonly path: string,
    private records: DeletionRequestRecord[],
  ) {}

  static load(path: string): RequestStore {
    if (!existsSync(path)) return new RequestStore(path, []);
    try {
      const raw = JSON.parse(readFileSync(path, 'utf8')) as { requests: DeletionRequestRecord[] };
      return new RequestStore(path, Array.isArray(raw.requests) ? raw.requests : []);
    } catch {
      throw new UserError(`${path} is damaged: restore it from a backup or move it aside (the audit log still holds every erasure)`, 'input');
    }
  }

  list(): readonly DeletionRequestRecord[] {
    return this.records;
  }

  get(requestId: string): DeletionRequestRecord | undefined {
    return this.records.find((r) => r.requestId === requestId);
  }

  require(requestId: string): DeletionRequestRecord {
    const r = this.get(requestId);
    if (!r) throw new UserError(`no deletion request ${requestId}`, 'input');
    return r;
  }

  upsert(record: DeletionRequestRecord): void {
    const i = this.records.findIndex((r) => r.requestId === record.requestId);
    if (i >= 0) this.records[i] = record;
    else this.records.push(record);
    this.save();
  }

  private save(): void {
    writeFileAtomic(this.path, JSON.stringify({ format: 'erase-requests/1', requests: this.records }, null, 2) + '\n');
  }
}

/** The default deadline: one calendar month after receipt (GDPR art. 12(3)), in UTC. */
export function defaultDeadline(receivedAt: string, days?: number): string {
  const d = new Date(receivedAt);
  if (Number.isNaN(d.getTime())) throw new UserError(`not a valid time: ${receivedAt}`, 'usage');
  if (days !== undefined) return new Date(d.getTime() + days * 86_400_000).toISOString();
  const day = d.getUTCDate();
  d.setUTCMonth(d.getUTCMonth() + 1);
  if (d.getUTCDate() !== day) d.setUTCDate(0); // 31 Jan + 1 month = last day of February
  return d.toISOString();
}

export function isOverdue(r: DeletionRequestRecord, now: string): boolean {
  return (r.status === 'received' || r.status === 'matched') && r.deadline < now;
}
