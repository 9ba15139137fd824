import { DUE_SOON_DAYS, type Dashboard } from '../core';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The compliance sections of `erase status`, one line each, with the command that handles them. */
export function dashboardText(d: Dashboard): string {
  const r = d.requests;
  const v = d.lastVerify;
  const a = d.audit;
  const e = d.erasures;
  const res = d.residuals;
  return [
    'compliance:',
    `  requests: ${r.waiting} waiting, ${r.overdue} overdue, ${r.dueSoon} due within ${DUE_SOON_DAYS} days` +
      `${r.nextDeadline ? ` (next: ${r.nextDeadline.requestId} by ${r.nextDeadline.deadline.slice(0, 10)})` : ''}; ` +
      `${r.erased + r.verified} erased, ${r.refused} refused — erase request list`,
    v
      ? `  last verify: ${v.time} ${v.equal ? 'equal' : 'NOT EQUAL'} (audit entry #${v.seq}${v.current ? '' : '; the state changed since'}) — erase verify`
      : '  last verify: never — erase verify',
    `  audit log: ${a.entries} entries, root ${a.rootHash.slice(0, 16)}…; last checkpoint ` +
      (a.lastCheckpoint ? `${a.lastCheckpoint.time} at size ${a.lastCheckpoint.size}${a.lastCheckpoint.coversAll ? '' : ' (later entries not yet signed)'}` : 'none') +
      '; last audit verify ' +
      (a.lastCheck
        ? `${a.lastCheck.time} ${a.lastCheck.ok ? 'OK' : `FAILED (${a.lastCheck.problems} problem(s))`}${a.lastCheck.stale ? ', the log has changed since' : ''}`
        : 'never') +
      ' — erase audit verify',
    `  erasures: ${e.total}, ${e.certified} certified${e.certifiedShare === null ? '' : ` (${pct(e.certifiedShare)})`}, ${e.retrained} retrained`,
    `  residual copies: ${res.outstanding} outstanding in ${res.requestIds.length} request(s)${res.requestIds.length ? ` (${res.requestIds.join(', ')})` : ''}` +
      `${res.unscanned ? `, ${res.unscanned} erased request(s) never scanned` : ''}${res.incomplete ? `, ${res.incomplete} scan(s) incomplete` : ''} — erase scan --request ID < texts.txt`,
  ].join('\n');
}
