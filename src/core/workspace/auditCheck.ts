/**
 * The result of the last `audit verify`, kept in `.erase/audit-check.json` (figures only).
 *
 * Why a status file and not an audit entry: a log cannot usefully attest its own integrity — an
 * "I verified fine" entry proves nothing to an auditor (whoever could forge the log could forge the
 * note), and when the check fails the log is exactly the place that can no longer be appended to
 * safely. The file only tells the dashboard when the log was last checked and what was found; the
 * dashboard calls it stale as soon as the log has grown past the size that was checked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerifyReport } from '../audit';
import { writeFileAtomic } from '../storage/atomicWrite';
import type { WorkspacePaths } from './config';

const FORMAT = 'erase-audit-check/1';

export interface AuditCheckRecord {
  readonly time: string;
  readonly ok: boolean;
  /** Entries and root hash the check covered. */
  readonly size: number;
  readonly rootHash: string;
  readonly problems: number;
  readonly keyResets: number;
}

const fileOf = (paths: Pick<WorkspacePaths, 'dir'>) => join(paths.dir, 'audit-check.json');

export function recordAuditCheck(paths: Pick<WorkspacePaths, 'dir'>, report: VerifyReport, time: string): AuditCheckRecord {
  const record: AuditCheckRecord = {
    time,
    ok: report.ok,
    size: report.size,
    rootHash: report.rootHash,
    problems: report.problems.length,
    keyResets: report.keyChanges.filter((c) => c.action === 'key-reset').length,
  };
  writeFileAtomic(fileOf(paths), JSON.stringify({ format: FORMAT, ...record }, null, 2) + '\n');
  return record;
}

/** The last recorded check, or null when there is none (or the file is not one of ours: it is advisory only). */
export function lastAuditCheck(paths: Pick<WorkspacePaths, 'dir'>): AuditCheckRecord | null {
  const file = fileOf(paths);
  if (!existsSync(file)) return null;
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (o.format !== FORMAT || typeof o.time !== 'string' || typeof o.ok !== 'boolean' || typeof o.size !== 'number' || typeof o.rootHash !== 'string') return null;
    return { time: o.time, ok: o.ok, size: o.size, rootHash: o.rootHash, problems: Number(o.problems) || 0, keyResets: Number(o.keyResets) || 0 };
  } catch {
    return null;
  }
}
