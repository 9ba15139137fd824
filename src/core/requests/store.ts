import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncDir } from '../storage/atomicWrite';
import { UserError } from '../errors';
import { RecordLog, removeIfExists } from './recordLog';

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

/**
 * Deletion request records: an append-only log in `.erase/requests.jsonl` (requests/recordLog.ts),
 * so a change costs the same whatever the number of records. A workspace whose records are still in
 * the `requests.json` of earlier releases is read from it and moved to the log at its first change.
 */
export class RequestStore {
  private constructor(
    private readonly log: RecordLog<DeletionRequestRecord>,
    /** The records of a legacy requests.json (no log yet), or null. */
    private legacy: DeletionRequestRecord[] | null,
    private readonly legacyPath: string,
  ) {}

  /** The records of the workspace folder `dir` (`.erase`). */
  static open(dir: string): RequestStore {
    const log = new RecordLog<DeletionRequestRecord>(join(dir, 'requests.jsonl'), join(dir, 'requests.idx'), 'the deletion request records');
    const legacyPath = join(dir, 'requests.json');
    if (log.exists()) {
      // A migration that stopped before the old file was deleted: the log, written whole and atomically, holds everything.
      if (existsSync(legacyPath)) removeIfExists(legacyPath);
      return new RequestStore(log, null, legacyPath);
    }
    if (!existsSync(legacyPath)) return new RequestStore(log, null, legacyPath);
    try {
      const raw = JSON.parse(readFileSync(legacyPath, 'utf8')) as { requests: DeletionRequestRecord[] };
      return new RequestStore(log, Array.isArray(raw.requests) ? raw.requests : [], legacyPath);
    } catch {
      throw new UserError(`${legacyPath} is damaged: restore it from a backup or move it aside (the audit log still holds every erasure)`, 'input');
    }
  }

  list(): readonly DeletionRequestRecord[] {
    return this.legacy ?? this.log.all();
  }

  get(requestId: string): DeletionRequestRecord | undefined {
    return this.legacy ? this.legacy.find((r) => r.requestId === requestId) : this.log.get(requestId);
  }

  require(requestId: string): DeletionRequestRecord {
    const r = this.get(requestId);
    if (!r) throw new UserError(`no deletion request ${requestId}`, 'input');
    return r;
  }

  /** Records a record's new version (durably; its older versions are blanked). Under the workspace lock. */
  upsert(record: DeletionRequestRecord): void {
    if (this.legacy) {
      const records = [...this.legacy];
      const i = records.findIndex((r) => r.requestId === record.requestId);
      if (i >= 0) records[i] = record;
      else records.push(record);
      // Moved to the log in one atomic write; the old file goes only after it (a crash between leaves both: the log wins).
      this.log.rewrite(records);
      removeIfExists(this.legacyPath);
      fsyncDir(dirname(this.legacyPath));
      this.legacy = null;
      return;
    }
    this.log.put(record);
  }

  /** Finishes a change a crash interrupted: blanks the record's older versions, if any are left. Under the workspace lock. */
  settle(requestId: string): void {
    if (!this.legacy) this.log.dropOlderVersions(requestId);
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
