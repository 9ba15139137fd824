import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EraseWorkspace } from '../../src/core/workspace';
import { computeDashboard, workspaceDashboard, DUE_SOON_DAYS, type DashboardInput } from '../../src/core/workspace/dashboard';
import { verifyAndRecord } from '../../src/core/workspace/verification';
import { lastAuditCheck, recordAuditCheck } from '../../src/core/workspace/auditCheck';
import { eraseRequest } from '../../src/core/workspace/eraseRequest';
import { eraseAndRecord, listRequests, receiveRequest } from '../../src/core/workspace/requests';
import { readLog, verifyLog, type AuditEntry } from '../../src/core/audit';
import type { DeletionRequestRecord, RequestStatus } from '../../src/core/requests/store';

const NOW = '2026-03-10T12:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();
const DAY = 86_400_000;

function record(requestId: string, status: RequestStatus, deadline: string, extra: Partial<DeletionRequestRecord> = {}): DeletionRequestRecord {
  return { requestId, status, deadline, receivedAt: '2026-02-01T00:00:00.000Z', match: { kind: 'ids' }, matchedCount: 1, history: [], ...extra };
}

/** Only the fields the dashboard reads; the rest of an audit entry does not matter here. */
function entry(seq: number, action: AuditEntry['action'], fields: Partial<AuditEntry> = {}): AuditEntry {
  return { seq, action, time: at(seq * 1000), erasedCount: 0, certified: false, stateHashAfter: `h${seq}`, ...fields } as AuditEntry;
}

const base: DashboardInput = { now: NOW, requests: [], entries: [], auditHead: { size: 0, rootHash: 'r0' }, lastCheckpoint: null, auditCheck: null, stateHash: null };

test('requests: overdue is waiting past the deadline, due soon is waiting within 7 days (both ends inclusive), done or refused never count', () => {
  const d = computeDashboard({
    ...base,
    requests: [
      record('late', 'matched', at(-1)),
      record('late-received', 'received', at(-3 * DAY)),
      record('due-now', 'matched', NOW),
      record('due-edge', 'received', at(DUE_SOON_DAYS * DAY)),
      record('due-later', 'matched', at(DUE_SOON_DAYS * DAY + 1)),
      record('erased-late', 'erased', at(-DAY)),
      record('verified-late', 'verified', at(-DAY)),
      record('refused-late', 'refused', at(-DAY)),
      // Another zone offset for the same kind of instant: compared as times, not strings.
      record('late-offset', 'matched', '2026-03-10T13:59:00+02:00'),
    ],
  });
  assert.equal(d.requests.total, 9);
  assert.equal(d.requests.waiting, 6);
  assert.deepEqual(d.requests.overdueIds, ['late', 'late-received', 'late-offset']);
  assert.equal(d.requests.overdue, 3);
  assert.deepEqual(d.requests.dueSoonIds, ['due-now', 'due-edge']);
  assert.equal(d.requests.dueSoon, 2);
  assert.equal(d.requests.erased, 1);
  assert.equal(d.requests.verified, 1);
  assert.equal(d.requests.refused, 1);
  assert.deepEqual(d.requests.nextDeadline, { requestId: 'late-received', deadline: at(-3 * DAY) });
});

test('last verify: the verify entry with the highest seq, and whether it verified the current state', () => {
  const entries = [
    entry(0, 'erase', { erasedCount: 1, certified: true, verification: { equal: true, scratchHash: 'x'.repeat(64) } }),
    entry(1, 'verify', { verification: { equal: false, scratchHash: 'a'.repeat(64) }, stateHashAfter: 's1' }),
    entry(2, 'verify', { verification: { equal: true, scratchHash: 'b'.repeat(64) }, stateHashAfter: 's2' }),
    entry(3, 'erase', { erasedCount: 2, certified: false, stateHashAfter: 's3' }),
  ];
  const d = computeDashboard({ ...base, entries, stateHash: 's3' });
  assert.deepEqual(d.lastVerify, { time: at(2000), equal: true, seq: 2, stateHash: 's2', current: false });
  assert.equal(computeDashboard({ ...base, entries: entries.slice(0, 3), stateHash: 's2' }).lastVerify?.current, true);
  assert.equal(computeDashboard({ ...base, entries: entries.slice(0, 2) }).lastVerify?.equal, false);
  assert.equal(computeDashboard({ ...base, entries: [entries[0]] }).lastVerify, null, "an erasure's own verification is not a verify action");
});

test('certified share counts erase and reconcile entries that removed examples', () => {
  const d = computeDashboard({
    ...base,
    entries: [
      entry(0, 'erase', { erasedCount: 1, certified: true }),
      entry(1, 'erase', { erasedCount: 3, certified: true }),
      entry(2, 'reconcile', { erasedCount: 1, certified: false }),
      entry(3, 'reconcile', { erasedCount: 0, certified: false }),
      entry(4, 'refuse'),
      entry(5, 'verify', { verification: { equal: true, scratchHash: 'c'.repeat(64) } }),
    ],
  });
  assert.deepEqual(d.erasures, { total: 3, certified: 2, retrained: 1, certifiedShare: 2 / 3 });
  assert.equal(computeDashboard(base).erasures.certifiedShare, null, 'no erasure: no share (not 0%)');
});

test('audit state: checkpoint coverage and a last check that goes stale when the log grows', () => {
  const check = { time: at(-DAY), ok: true, size: 4, rootHash: 'r4', problems: 0, keyResets: 0 };
  const same = computeDashboard({ ...base, auditHead: { size: 4, rootHash: 'r4' }, lastCheckpoint: { size: 4, rootHash: 'r4', time: at(-1) }, auditCheck: check });
  assert.deepEqual(same.audit.lastCheckpoint, { size: 4, time: at(-1), coversAll: true });
  assert.equal(same.audit.lastCheck?.stale, false);
  const grown = computeDashboard({ ...base, auditHead: { size: 5, rootHash: 'r5' }, lastCheckpoint: { size: 4, rootHash: 'r4', time: at(-1) }, auditCheck: check });
  assert.equal(grown.audit.entries, 5);
  assert.equal(grown.audit.lastCheckpoint?.coversAll, false);
  assert.equal(grown.audit.lastCheck?.stale, true);
});

test('residual copies: outstanding from each request’s last scan; erased requests never scanned are counted apart', () => {
  const scan = (copies: number, localHistory = 0, skipped = 0) => ({ time: NOW, copies, localHistory, filesScanned: 10, revisionsScanned: 2, skipped });
  const d = computeDashboard({
    ...base,
    requests: [
      record('a', 'erased', NOW, { residualScan: scan(2, 1) }),
      record('b', 'verified', NOW, { residualScan: scan(0, 0, 1) }),
      record('c', 'erased', NOW),
      record('d', 'verified', NOW, { residualScan: scan(0, 4) }),
      record('e', 'matched', at(DAY)),
    ],
  });
  assert.deepEqual(d.residuals, { outstanding: 7, requestIds: ['a', 'd'], unscanned: 1, incomplete: 1 });
});

const LINES = Array.from({ length: 60 }, (_, i) =>
  JSON.stringify({ id: `ex-${i}`, input: `example ${i} about ${['rivers', 'engines', 'gardens', 'violins'][i % 4]} number ${i * 7}`, output: i % 2 ? 'yes' : 'no' }),
);

async function clustered(): Promise<{ ws: EraseWorkspace; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'erase-dash-'));
  writeFileSync(join(dir, 'data.jsonl'), LINES.join('\n') + '\n');
  const ws = EraseWorkspace.init(join(dir, 'data.jsonl'), { k: 3 });
  await ws.cluster();
  return { ws, dir };
}

test('verifyAndRecord writes one verify entry with the state unchanged; the dashboard shows it', async () => {
  const { ws } = await clustered();
  const stateBefore = readFileSync(ws.paths.state);
  const r = await verifyAndRecord(ws, { time: '2026-03-01T10:00:00.000Z' });
  assert.equal(r.equal, true);
  assert.deepEqual(readFileSync(ws.paths.state), stateBefore, 'the state file is untouched');
  const log = await readLog(ws.paths.auditDir);
  const e = log.entries.at(-1)!;
  assert.equal(e.action, 'verify');
  assert.equal(e.seq, r.auditSeq);
  assert.equal(e.stateHashBefore, r.stateHash);
  assert.equal(e.stateHashAfter, r.stateHash);
  assert.deepEqual(e.verification, { equal: true, scratchHash: r.scratchHash });
  assert.equal(e.erasedCount, 0);
  assert.equal((await verifyLog(ws.paths.auditDir)).ok, true);
  const d = await workspaceDashboard(ws, '2026-03-02T00:00:00.000Z');
  assert.deepEqual(d.lastVerify, { time: '2026-03-01T10:00:00.000Z', equal: true, seq: r.auditSeq, stateHash: r.stateHash, current: true });
  assert.equal(d.audit.entries, log.head.size);
  assert.equal(d.audit.lastCheckpoint?.coversAll, true, 'the verify entry is signed like any other');

  await eraseAndRecord(ws, { ids: ['ex-3'], requester: 'dpo' });
  assert.equal((await workspaceDashboard(ws)).lastVerify?.current, false, 'an erasure since makes the last verify about an older state');
});

test('verifyAndRecord records nothing when an erasure changed the state during the retrain', async () => {
  const { ws } = await clustered();
  const sizeBefore = (await readLog(ws.paths.auditDir)).head.size;
  const plain = ws.verify.bind(ws);
  ws.verify = async (o) => {
    const r = await plain(o);
    await eraseAndRecord(ws, { ids: ['ex-5'] }); // lands between the retrain and the commit
    return r;
  };
  await assert.rejects(verifyAndRecord(ws), /changed while it was being verified/);
  const log = await readLog(ws.paths.auditDir);
  assert.equal(log.head.size, sizeBefore + 1, 'only the erasure was recorded');
  assert.equal(
    log.entries.some((e) => e.action === 'verify'),
    false,
  );
});

test('the last audit verify is kept beside the log and read back; a damaged status file reads as none', async () => {
  const { ws } = await clustered();
  await eraseAndRecord(ws, { ids: ['ex-1'] });
  const report = await verifyLog(ws.paths.auditDir);
  const rec = recordAuditCheck(ws.paths, report, '2026-03-03T00:00:00.000Z');
  assert.deepEqual(lastAuditCheck(ws.paths), rec);
  assert.deepEqual(rec, { time: '2026-03-03T00:00:00.000Z', ok: true, size: report.size, rootHash: report.rootHash, problems: 0, keyResets: 0 });
  assert.equal((await workspaceDashboard(ws)).audit.lastCheck?.stale, false);
  await eraseAndRecord(ws, { ids: ['ex-2'] });
  assert.equal((await workspaceDashboard(ws)).audit.lastCheck?.stale, true);
  writeFileSync(join(ws.paths.dir, 'audit-check.json'), '{not json');
  assert.equal(lastAuditCheck(ws.paths), null);
});

test("an erasure's residual scan is recorded in its request as counts, and the dashboard adds them up", async () => {
  const { ws, dir } = await clustered();
  // A copy of one example's text outside the data file: the scan must find it.
  const text = JSON.parse(LINES[7]).input as string;
  writeFileSync(join(dir, 'notes.txt'), `pasted: ${text}\n`);
  await receiveRequest(ws, { requestId: 'REQ-W', requester: 'x', match: { kind: 'ids' }, ids: ['ex-9'], time: '2026-03-01T00:00:00.000Z', deadlineDays: 3 });
  const o = await eraseRequest(ws, { kind: 'ids', ids: ['ex-7'] }, { requestId: 'REQ-7', requester: 'dpo' });
  const report = await o.scanResiduals!({ time: '2026-03-01T01:00:00.000Z' });
  assert.equal(report.hits.length, 1);
  const rec = (await listRequests(ws)).find((r) => r.requestId === 'REQ-7')!;
  assert.deepEqual(rec.residualScan, {
    time: '2026-03-01T01:00:00.000Z',
    copies: 1,
    localHistory: 0,
    filesScanned: report.filesScanned,
    revisionsScanned: report.revisionsScanned,
    skipped: report.skipped.length,
  });
  assert.ok(!JSON.stringify(rec).includes(text), 'no text in the record');
  const d = await workspaceDashboard(ws, '2026-03-02T00:00:00.000Z');
  assert.deepEqual(d.residuals.requestIds, ['REQ-7']);
  assert.equal(d.residuals.outstanding, 1);
  assert.equal(d.requests.dueSoon, 1);
  assert.equal(d.erasures.total, 1);
});
