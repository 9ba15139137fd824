/**
 * The compliance dashboard: what a compliance engineer checks first, computed from the request
 * records, the audit log, its last check and the state. `computeDashboard` is pure (the clock is
 * an input); `workspaceDashboard` gathers its inputs from a workspace. Read-only: nothing is written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_FILE, parseCheckpoint, readLog, type AuditEntry, type Checkpoint } from '../audit';
import type { DeletionRequestRecord } from '../requests/store';
import { lastAuditCheck, type AuditCheckRecord } from './auditCheck';
import { sha256Hex } from '../hash';
import { requestStore } from './requestRecords';
import type { EraseWorkspace } from './workspace';

/** "Due soon" means a waiting request whose deadline falls within this many days. */
export const DUE_SOON_DAYS = 7;
const DAY_MS = 86_400_000;

export interface DashboardInput {
  /** ISO time the figures are computed for. */
  readonly now: string;
  readonly requests: readonly DeletionRequestRecord[];
  readonly entries: readonly AuditEntry[];
  readonly auditHead: { readonly size: number; readonly rootHash: string };
  readonly lastCheckpoint: Checkpoint | null;
  readonly auditCheck: AuditCheckRecord | null;
  /** The current state hash (null: not clustered). */
  readonly stateHash: string | null;
}

export interface Dashboard {
  readonly now: string;
  readonly requests: {
    readonly total: number;
    /** Received or matched, not yet erased or refused. */
    readonly waiting: number;
    /** Waiting past their deadline. */
    readonly overdue: number;
    /** Waiting, deadline not passed but within DUE_SOON_DAYS. */
    readonly dueSoon: number;
    readonly erased: number;
    readonly verified: number;
    readonly refused: number;
    readonly overdueIds: readonly string[];
    readonly dueSoonIds: readonly string[];
    /** The waiting request whose deadline comes first. */
    readonly nextDeadline: { readonly requestId: string; readonly deadline: string } | null;
  };
  /** The latest `verify` audit entry (retrain from scratch compared with the state). */
  readonly lastVerify: {
    readonly time: string;
    readonly equal: boolean;
    readonly seq: number;
    readonly stateHash: string;
    /** Whether it verified the state as it is now (false: the state changed since). */
    readonly current: boolean;
  } | null;
  readonly audit: {
    readonly entries: number;
    readonly rootHash: string;
    readonly lastCheckpoint: { readonly size: number; readonly time: string; readonly coversAll: boolean } | null;
    /** The last `audit verify`; stale once the log has grown past what it checked. */
    readonly lastCheck: (AuditCheckRecord & { readonly stale: boolean }) | null;
  };
  /** Erasures recorded in the audit log (erase and reconcile entries that removed examples). */
  readonly erasures: { readonly total: number; readonly certified: number; readonly retrained: number; readonly certifiedShare: number | null };
  /** From each request's last residual-copy scan. */
  readonly residuals: {
    /** Copies found by the requests' last scans (files, git history, Local History). */
    readonly outstanding: number;
    /** Requests whose last scan found copies. */
    readonly requestIds: readonly string[];
    /** Erased requests with no scan recorded (scan skipped or not finished). */
    readonly unscanned: number;
    /** Requests whose last scan could not search everywhere. */
    readonly incomplete: number;
  };
}

const isWaiting = (r: DeletionRequestRecord) => r.status === 'received' || r.status === 'matched';
const isDone = (r: DeletionRequestRecord) => r.status === 'erased' || r.status === 'verified';

export function computeDashboard(input: DashboardInput): Dashboard {
  const now = Date.parse(input.now);
  const soon = now + DUE_SOON_DAYS * DAY_MS;
  const waiting = input.requests.filter(isWaiting);
  // Deadlines compare as instants (records written elsewhere may use another zone offset).
  const overdue = waiting.filter((r) => Date.parse(r.deadline) < now);
  const dueSoon = waiting.filter((r) => Date.parse(r.deadline) >= now && Date.parse(r.deadline) <= soon);
  const next = [...waiting].sort((a, b) => Date.parse(a.deadline) - Date.parse(b.deadline) || (a.requestId < b.requestId ? -1 : 1))[0];

  let lastVerify: Dashboard['lastVerify'] = null;
  for (const e of input.entries) {
    if (e.action !== 'verify' || !e.verification) continue;
    if (lastVerify === null || e.seq > lastVerify.seq)
      lastVerify = {
        time: e.time,
        equal: e.verification.equal,
        seq: e.seq,
        stateHash: e.stateHashAfter,
        current: input.stateHash !== null && e.stateHashAfter === input.stateHash,
      };
  }

  const erasures = input.entries.filter((e) => (e.action === 'erase' || e.action === 'reconcile') && e.erasedCount > 0);
  const certified = erasures.filter((e) => e.certified).length;

  const withCopies = input.requests.filter((r) => r.residualScan && r.residualScan.copies + r.residualScan.localHistory > 0);
  const check = input.auditCheck;
  const cp = input.lastCheckpoint;
  return {
    now: input.now,
    requests: {
      total: input.requests.length,
      waiting: waiting.length,
      overdue: overdue.length,
      dueSoon: dueSoon.length,
      erased: input.requests.filter((r) => r.status === 'erased').length,
      verified: input.requests.filter((r) => r.status === 'verified').length,
      refused: input.requests.filter((r) => r.status === 'refused').length,
      overdueIds: overdue.map((r) => r.requestId),
      dueSoonIds: dueSoon.map((r) => r.requestId),
      nextDeadline: next ? { requestId: next.requestId, deadline: next.deadline } : null,
    },
    lastVerify,
    audit: {
      entries: input.auditHead.size,
      rootHash: input.auditHead.rootHash,
      lastCheckpoint: cp ? { size: cp.size, time: cp.time, coversAll: cp.size === input.auditHead.size } : null,
      lastCheck: check ? { ...check, stale: check.size !== input.auditHead.size || check.rootHash !== input.auditHead.rootHash } : null,
    },
    erasures: { total: erasures.length, certified, retrained: erasures.length - certified, certifiedShare: erasures.length ? certified / erasures.length : null },
    residuals: {
      outstanding: withCopies.reduce((n, r) => n + r.residualScan!.copies + r.residualScan!.localHistory, 0),
      requestIds: withCopies.map((r) => r.requestId),
      unscanned: input.requests.filter((r) => isDone(r) && !r.residualScan).length,
      incomplete: input.requests.filter((r) => (r.residualScan?.skipped ?? 0) > 0).length,
    },
  };
}

/** The last signed checkpoint as written (its signature is audit verify's business, not the dashboard's). */
function lastCheckpointOf(auditDir: string): Checkpoint | null {
  const file = join(auditDir, CHECKPOINT_FILE);
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].trim()) continue;
    const parsed = parseCheckpoint(lines[i]);
    if ('value' in parsed) return parsed.value.checkpoint;
  }
  return null;
}

export async function workspaceDashboard(ws: EraseWorkspace, now = new Date().toISOString()): Promise<Dashboard> {
  const log = await readLog(ws.paths.auditDir);
  return computeDashboard({
    now,
    requests: requestStore(ws).list(),
    entries: log.entries,
    auditHead: log.head,
    lastCheckpoint: lastCheckpointOf(ws.paths.auditDir),
    auditCheck: lastAuditCheck(ws.paths),
    // The state hash is the SHA-256 of the state file's text (no need to parse it, or to fail on an old format).
    stateHash: existsSync(ws.paths.state) ? sha256Hex(readFileSync(ws.paths.state, 'utf8')) : null,
  });
}
