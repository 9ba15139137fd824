import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, erase, tempDir } from './cliHarness';

const COPIED = 'Jane Roe from account 4417 hated the sequel';

/** `erase status --json`'s compliance sections against what the request records and the audit log say on their own. */
test('erase status --json: the compliance sections agree with erase request list and the audit log', () => {
  const dir = tempDir('status');
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({ input: i === 7 ? COPIED : `an ordinary review number ${i} of the ${['film', 'plot', 'cast'][i % 3]}`, output: i % 2 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'notes.md'), `someone pasted: ${COPIED}\n`);
  const ok = (...args: string[]) => {
    const r = erase(dir, ...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  ok('init', '--data', 'data.jsonl', '--k', '3');
  ok('cluster');

  const before = ok('status', '--json').json().compliance;
  assert.equal(before.lastVerify, null);
  assert.equal(before.audit.lastCheck, null);
  assert.equal(before.erasures.certifiedShare, null);

  // Waiting requests: one overdue (deadline at receipt), one due within 7 days, one later.
  ok('request', 'add', '--match', 'number 11 ', '--requester', 'a', '--deadline-days', '0');
  ok('request', 'add', '--match', 'number 12 ', '--requester', 'b', '--deadline-days', '3');
  ok('request', 'add', '--match', 'number 13 ', '--requester', 'c', '--deadline-days', '30');
  const refused = ok('request', 'add', '--match', 'number 14 ', '--requester', 'd', '--json').json().record.requestId;
  ok('request', 'refuse', refused, '--reason', 'legal hold');
  // Two erasures; the one of the copied text leaves a copy in notes.md.
  const copied = ok('delete', '--match', 'Jane Roe', '--requester', 'dpo', '--json').json();
  assert.equal(copied.residuals.hits.length, 1);
  ok('delete', '--match', 'number 20 ', '--requester', 'dpo');
  ok('verify');
  ok('audit', 'verify');

  const status = ok('status', '--json').json();
  const d = status.compliance;
  const records = ok('request', 'list', '--json').json() as { requestId: string; status: string; deadline: string; residualScan?: { copies: number } }[];
  const now = Date.parse(d.now);
  const waiting = records.filter((r) => r.status === 'received' || r.status === 'matched');
  assert.equal(d.requests.total, records.length);
  assert.equal(d.requests.waiting, waiting.length);
  assert.equal(d.requests.waiting, 3);
  assert.deepEqual(
    d.requests.overdueIds,
    waiting.filter((r) => Date.parse(r.deadline) < now).map((r) => r.requestId),
  );
  assert.equal(d.requests.overdue, 1);
  assert.equal(d.requests.dueSoon, 1);
  assert.equal(d.requests.refused, 1);

  const audit = JSON.parse(ok('audit', 'export', '--format', 'json').stdout) as {
    head: { size: number; rootHash: string };
    requests: { receipts: { seq: number; action: string; time: string; certified: boolean; erasedCount: number; verification: string }[] }[];
  };
  const entries = audit.requests.flatMap((r) => r.receipts).sort((a, b) => a.seq - b.seq);
  assert.equal(d.audit.rootHash, audit.head.rootHash);
  assert.equal(d.audit.entries, entries.length);
  const verifies = entries.filter((e) => e.action === 'verify');
  assert.equal(verifies.length, 1, '`erase verify` wrote one verify entry');
  assert.deepEqual(
    { seq: d.lastVerify.seq, time: d.lastVerify.time, equal: d.lastVerify.equal },
    { seq: verifies[0].seq, time: verifies[0].time, equal: verifies[0].verification === 'equal' },
  );
  assert.equal(d.lastVerify.equal, true);
  assert.equal(d.lastVerify.current, true);
  assert.equal(d.lastVerify.stateHash, status.stateHash);
  const erasures = entries.filter((e) => e.action === 'erase' && e.erasedCount > 0);
  assert.equal(d.erasures.total, erasures.length);
  assert.equal(d.erasures.certified, erasures.filter((e) => e.certified).length);
  assert.equal(d.audit.lastCheck.ok, true);
  assert.equal(d.audit.lastCheck.size, entries.length);
  assert.equal(d.audit.lastCheck.stale, false);
  assert.equal(d.audit.lastCheckpoint.coversAll, true);
  assert.equal(d.residuals.outstanding, 1);
  assert.deepEqual(d.residuals.requestIds, [copied.requestId]);
  assert.equal(records.find((r) => r.requestId === copied.requestId)?.residualScan?.copies, 1);

  const text = ok('status').stdout;
  assert.match(text, /requests: 3 waiting, 1 overdue, 1 due within 7 days/);
  assert.match(text, /last verify: \S+ equal \(audit entry #\d+\)/);
  assert.match(text, /residual copies: 1 outstanding in 1 request/);
  assert.equal(text.includes(COPIED) || JSON.stringify(status.compliance).includes(COPIED), false, 'no erased text');

  // The copy is removed; a scan tied to the request clears it from the dashboard.
  unlinkSync(join(dir, 'notes.md'));
  const scan = spawnSync(process.execPath, [CLI, 'scan', '--request', copied.requestId, '--json'], { cwd: dir, input: `${COPIED}\n`, encoding: 'utf8' });
  assert.equal(scan.status, 0, scan.stderr);
  assert.equal(ok('status', '--json').json().compliance.residuals.outstanding, 0);
  const unknown = spawnSync(process.execPath, [CLI, 'scan', '--request', 'REQ-nope'], { cwd: dir, input: `${COPIED}\n`, encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no deletion request REQ-nope/);

  // An erasure after the audit check: the check is stale and the last verify no longer current.
  ok('delete', '--match', 'number 21 ', '--skip-scan');
  const after = ok('status', '--json').json().compliance;
  assert.equal(after.audit.lastCheck.stale, true);
  assert.equal(after.lastVerify.current, false);
  assert.equal(after.residuals.unscanned, 1, 'the erasure with --skip-scan has no scan recorded');
  assert.ok(!readFileSync(join(dir, '.erase', 'requests.jsonl'), 'utf8').includes(COPIED));
});
