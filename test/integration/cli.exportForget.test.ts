import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, erase, tempDir } from './cliHarness';

const SECRET = 'Jane Roe from account 4417 hated the sequel';

const auditLines = (dir: string) =>
  (existsSync(join(dir, '.erase', 'audit', 'audit.jsonl')) ? readFileSync(join(dir, '.erase', 'audit', 'audit.jsonl'), 'utf8') : '')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { action: string; requestId: string; erasedCount: number; notes?: string });

const scan = (dir: string) => spawnSync(process.execPath, [CLI, 'scan', '--json'], { cwd: dir, input: `${SECRET}\n`, encoding: 'utf8' });

test('erase export-forget: forget and retain sets before the erasure only, audited pending until weights-done, flagged as a residual copy until deleted', () => {
  const dir = tempDir('forget');
  const lines = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({ input: i === 7 || i === 31 ? SECRET : `an ordinary review number ${i} of the ${i % 2 ? 'funny' : 'dull'} film`, output: i % 2 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  assert.equal(erase(dir, 'init', '--data', 'data.jsonl', '--k', '3').code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  assert.equal(erase(dir, 'request', 'add', '--match', 'Jane Roe', '--request-id', 'REQ-7', '--requester', 'dpo@example.com').code, 0);
  assert.equal(erase(dir, 'request', 'add', '--match', 'ordinary review number 3 ', '--request-id', 'REQ-8').code, 0);
  const out = join(tempDir('forget-out'), 'unlearning'); // outside the workspace: the scan must still find it

  // Only on an explicit, well-formed request.
  assert.equal(erase(dir, 'export-forget', '--out', out).code, 2, 'no --request');
  assert.equal(erase(dir, 'export-forget', '--request', 'REQ-9', '--out', out).code, 2, 'unknown request');
  assert.equal(erase(dir, 'export-forget', '--request', 'REQ-7', '--out', join(dir, '.erase', 'x')).code, 2, 'never into .erase/');
  assert.equal(existsSync(join(out, 'forget.jsonl')), false);

  const r = erase(dir, 'export-forget', '--request', 'REQ-7', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const res = r.json();
  assert.equal(res.forgetCount, 1, 'one example (two identical lines)');
  assert.equal(res.forgetLines, 2);
  assert.equal(res.retainCount, 1, 'as many as the forget set');
  const forget = readFileSync(join(out, 'forget.jsonl'), 'utf8');
  assert.equal(forget, `${lines[7]}\n${lines[31]}\n`, "the data set's own lines, byte for byte");
  const retain = readFileSync(join(out, 'retain.jsonl'), 'utf8');
  assert.equal(retain.trim().split('\n').length, 1);
  assert.ok(lines.includes(retain.trim()) && !retain.includes(SECRET), 'a retain line is another example of the data set');
  const bigger = erase(dir, 'export-forget', '--request', 'REQ-7', '--out', out, '--retain', '5', '--json');
  assert.equal(bigger.code, 0, bigger.stderr);
  assert.equal(readFileSync(join(out, 'retain.jsonl'), 'utf8').trim().split('\n').length, 5, '--retain N');
  assert.notEqual(bigger.json().auditSeq, res.auditSeq, 'each export is its own audit entry');

  const exports = auditLines(dir).filter((e) => e.action === 'forget-set-export');
  assert.equal(exports.length, 2);
  assert.ok(exports.every((e) => e.requestId === 'REQ-7' && e.erasedCount === 0 && /pending weight unlearning/.test(e.notes ?? '')));
  assert.equal(readFileSync(join(dir, '.erase', 'audit', 'audit.jsonl'), 'utf8').includes(SECRET), false, 'the log keeps no content');

  const pending = erase(dir, 'status', '--json').json();
  assert.deepEqual(
    pending.weightUnlearning.map((v: { requestId: string; status: string }) => [v.requestId, v.status]),
    [['REQ-7', 'pending']],
  );
  assert.match(erase(dir, 'status').stdout, /weight unlearning PENDING for request REQ-7/);
  assert.match(erase(dir, 'request', 'show', 'REQ-7').stdout, /PENDING/);
  assert.equal(erase(dir, 'request', 'weights-done', 'REQ-8').code, 2, 'nothing was exported for REQ-8');

  // The erasure: the forget file now holds erased text, and the scan says so (without the text).
  const run = erase(dir, 'request', 'run', 'REQ-7', '--json');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.includes(SECRET), false);
  const forgetRel = (h: { kind: string; path: string }) => h.kind === 'file' && h.path.endsWith('unlearning/forget.jsonl');
  assert.ok(run.json().residuals.hits.some(forgetRel), JSON.stringify(run.json().residuals.hits));
  assert.ok(run.json().residuals.guidance.some((g: string) => g.includes('forget set')));
  const late = join(tempDir('forget-late'), 'late');
  const refused = erase(dir, 'export-forget', '--request', 'REQ-7', '--out', late);
  assert.equal(refused.code, 2, 'no export after the erasure');
  assert.match(refused.stderr, /export before running the request/);
  assert.equal(existsSync(late), false, 'not even an empty folder');
  assert.match(erase(dir, 'status').stdout, /residual copy: the forget set .*forget\.jsonl holds the erased texts of request REQ-7/);
  const s1 = scan(dir);
  assert.equal(s1.status, 1);
  assert.ok(JSON.parse(s1.stdout).hits.some(forgetRel));

  // Weights unlearned: recorded once, as an audited note; the file is still flagged until deleted.
  const done = erase(dir, 'request', 'weights-done', 'REQ-7', '--json');
  assert.equal(done.code, 0, done.stderr);
  assert.equal(done.json().record.weightUnlearning.status, 'done');
  assert.equal(erase(dir, 'request', 'weights-done', 'REQ-7').code, 0, 'idempotent');
  assert.equal(auditLines(dir).filter((e) => e.action === 'note' && e.requestId === 'REQ-7').length, 1);
  const afterDone = erase(dir, 'status', '--json').json();
  assert.deepEqual(
    afterDone.weightUnlearning.map((v: { status: string; residualForgetFiles: string[] }) => [v.status, v.residualForgetFiles.length]),
    [['done', 1]],
  );
  assert.equal(scan(dir).status, 1, 'still flagged after weights-done');

  unlinkSync(join(out, 'forget.jsonl'));
  const s2 = scan(dir);
  assert.equal(s2.status, 0, s2.stdout);
  assert.deepEqual(erase(dir, 'status', '--json').json().weightUnlearning, []);
  assert.doesNotMatch(erase(dir, 'status').stdout, /residual copy|PENDING/);
  assert.equal(erase(dir, 'audit', 'verify').code, 0);
});

test('erase export-forget killed at every write step: the log and the request record agree after recovery, and a re-run exports', () => {
  const template = tempDir('forget-fault');
  const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ input: i === 4 ? SECRET : `a plain review number ${i} of a film`, output: i % 2 ? 'positive' : 'negative' }));
  writeFileSync(join(template, 'data.jsonl'), lines.join('\n') + '\n');
  assert.equal(erase(template, 'init', '--data', 'data.jsonl', '--k', '2').code, 0);
  assert.equal(erase(template, 'cluster').code, 0);
  assert.equal(erase(template, 'request', 'add', '--match', 'Jane Roe', '--request-id', 'REQ-1').code, 0);
  const copy = () => {
    const dir = tempDir('forget-fault-run');
    cpSync(template, dir, { recursive: true });
    return dir;
  };
  const trace = join(tempDir('forget-trace'), 'trace');
  const traced = spawnSync(process.execPath, [CLI, 'export-forget', '--request', 'REQ-1', '--out', 'export'], {
    cwd: copy(),
    env: { ...process.env, ERASE_FAULT_TRACE: trace },
    encoding: 'utf8',
  });
  assert.equal(traced.status, 0, traced.stderr);
  const steps = readFileSync(trace, 'utf8').trim().split('\n').length;
  assert.ok(steps >= 6, `${steps} write steps`);
  // Every step by default; npm test takes every FAULT_MATRIX_STRIDE-th, as the fault matrix does.
  for (let at = 1; at <= steps; at += Math.max(1, Number(process.env.FAULT_MATRIX_STRIDE ?? 1))) {
    const dir = copy();
    const killed = spawnSync(process.execPath, [CLI, 'export-forget', '--request', 'REQ-1', '--out', 'export'], {
      cwd: dir,
      env: { ...process.env, ERASE_FAULT_AT: String(at) },
      encoding: 'utf8',
    });
    assert.equal(killed.signal, 'SIGKILL', `step ${at}`);
    const status = erase(dir, 'status', '--json'); // recovers first
    assert.equal(status.code, 0, status.stderr);
    const exported = auditLines(dir).filter((e) => e.action === 'forget-set-export').length;
    const pending = status.json().weightUnlearning.map((v: { status: string }) => v.status);
    assert.deepEqual(pending, exported ? ['pending'] : [], `step ${at}: the record says what the log says`);
    assert.equal(erase(dir, 'audit', 'verify').code, 0, `step ${at}`);
    const again = erase(dir, 'export-forget', '--request', 'REQ-1', '--out', 'export');
    assert.equal(again.code, 0, `step ${at}: ${again.stderr}`);
    assert.equal(readFileSync(join(dir, 'export', 'forget.jsonl'), 'utf8'), `${lines[4]}\n`, `step ${at}`);
    assert.deepEqual(
      erase(dir, 'status', '--json')
        .json()
        .weightUnlearning.map((v: { status: string }) => v.status),
      ['pending'],
    );
  }
});
