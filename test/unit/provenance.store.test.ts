import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerHmac, appendRecord, parseRecord, readProvenance, rewriteProvenance, templateVersion, type CompletionRecord } from '../../src/core/provenance/store';
import { followErasure, provenanceSettingsProblem, recordsUsing } from '../../src/core/provenance/follow';
import { promptChanges, describePromptChange } from '../../src/core/provenance/promptChange';
import { onWriteStep } from '../../src/core/storage/writeSteps';

const KEY = new Uint8Array(32).fill(7);
const OTHER_KEY = new Uint8Array(32).fill(8);

function rec(id: string, ids: string[], answer = `answer of ${id}`): CompletionRecord {
  return { v: 1, id, time: '2026-11-30T08:00:00.000Z', source: 'complete', model: 'm', template: templateVersion({ t: 1 }), ids, answer };
}

function storePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'erase-prov-')), 'provenance.jsonl');
}

test('records appended are read back in order; a missing store has no records', () => {
  const path = storePath();
  assert.deepEqual(readProvenance(path), { records: [], unreadable: 0, tornTail: false });
  appendRecord(path, rec('cmp-1', ['a', 'b']));
  appendRecord(path, rec('cmp-2', []));
  const read = readProvenance(path);
  assert.deepEqual(
    read.records.map((r) => r.id),
    ['cmp-1', 'cmp-2'],
  );
  assert.equal(read.tornTail, false);
  assert.equal(read.unreadable, 0);
});

test('a torn last line (a crash mid-append) is ignored by readers and cut off by the next append', () => {
  const path = storePath();
  appendRecord(path, rec('cmp-1', ['a']));
  appendFileSync(path, '{"v":1,"id":"cmp-torn","answer":"half an ans');
  const torn = readProvenance(path);
  assert.equal(torn.tornTail, true);
  assert.deepEqual(
    torn.records.map((r) => r.id),
    ['cmp-1'],
  );
  appendRecord(path, rec('cmp-2', ['b']));
  const text = readFileSync(path, 'utf8');
  assert.ok(!text.includes('half an ans'), 'the torn bytes are gone');
  assert.deepEqual(
    readProvenance(path).records.map((r) => r.id),
    ['cmp-1', 'cmp-2'],
  );
});

test('an append is two writes and an fsync (named steps); a rewrite is atomic (temp, fsync, rename)', () => {
  const path = storePath();
  const steps: string[] = [];
  onWriteStep((s) => steps.push(s));
  try {
    appendRecord(path, rec('cmp-1', ['a']));
    rewriteProvenance(path, []);
  } finally {
    onWriteStep(null);
  }
  assert.deepEqual(steps.slice(0, 2), ['append', 'fsync-append']);
  assert.deepEqual(steps.slice(-4, -1), ['write-temp', 'fsync-file', 'rename']);
  assert.equal(readFileSync(path, 'utf8'), '');
});

test('invalid lines are counted, never returned; parseRecord needs exactly one of answer and answerHmac', () => {
  const path = storePath();
  writeFileSync(path, ['not json', JSON.stringify({ ...rec('cmp-x', ['a']), source: 'elsewhere' }), JSON.stringify(rec('cmp-ok', ['a'])), ''].join('\n'));
  const read = readProvenance(path);
  assert.equal(read.unreadable, 2);
  assert.deepEqual(
    read.records.map((r) => r.id),
    ['cmp-ok'],
  );
  assert.equal(parseRecord(JSON.stringify({ ...rec('c', []), answerHmac: 'ab' })), null);
  const { answer: _a, ...noAnswer } = rec('c', []);
  void _a;
  assert.equal(parseRecord(JSON.stringify(noAnswer)), null);
  assert.notEqual(parseRecord(JSON.stringify({ ...noAnswer, answerHmac: 'ab' })), null);
});

test('answers are hashed with the key (a short answer cannot be looked up without it); template versions are stable', () => {
  const h = answerHmac(KEY, 'positive');
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(answerHmac(KEY, 'positive'), h);
  assert.notEqual(answerHmac(OTHER_KEY, 'positive'), h, 'another key, another hash');
  assert.notEqual(answerHmac(KEY, 'negative'), h);
  assert.throws(() => answerHmac(new Uint8Array(8), 'x'), /at least 32 bytes/);
  assert.equal(templateVersion({ a: 1, b: 'x' }), templateVersion({ b: 'x', a: 1 }), 'canonical: key order does not matter');
  assert.notEqual(templateVersion({ a: 1 }), templateVersion({ a: 2 }));
  assert.match(templateVersion({}), /^sha256:[0-9a-f]{16}$/);
});

test('erasure follows provenance: erase mode drops exactly the records that used an erased id, and is idempotent', () => {
  const records = [rec('c1', ['x', 'y']), rec('c2', ['y']), rec('c3', []), rec('c4', ['z', 'x'])];
  assert.deepEqual(
    recordsUsing(records, ['x']).map((r) => r.id),
    ['c1', 'c4'],
  );
  const by = { requestId: 'REQ-1', time: '2026-11-30T09:00:00.000Z', commit: (id: string) => `commit(${id})` };
  const once = followErasure(records, ['x'], 'erase', by);
  assert.equal(once.affected, 2);
  assert.deepEqual(
    once.records.map((r) => r.id),
    ['c2', 'c3'],
  );
  const twice = followErasure(once.records, ['x'], 'erase', by);
  assert.equal(twice.affected, 0);
  assert.deepEqual(twice.records, once.records);
});

test('flag mode keeps the records for review, without the erased ids (their commitments instead), and is idempotent', () => {
  const records = [rec('c1', ['x', 'y', 'x']), rec('c2', ['y'])];
  const by = { requestId: 'REQ-1', time: '2026-11-30T09:00:00.000Z', commit: (id: string) => `commit(${id})` };
  const once = followErasure(records, ['x'], 'flag', by);
  assert.equal(once.affected, 1);
  assert.deepEqual(once.records[0].ids, ['y']);
  assert.deepEqual(once.records[0].flagged, [{ requestId: 'REQ-1', time: by.time, erasedIdCommitments: ['commit(x)'] }]);
  assert.equal(once.records[0].answer, 'answer of c1', 'the answer is kept for the reviewer');
  assert.deepEqual(once.records[1], records[1]);
  assert.ok(!JSON.stringify(once.records).includes('"x"'), 'the erased id itself is gone');
  assert.equal(followErasure(once.records, ['x'], 'flag', by).affected, 0);
});

test('settings are validated with a message naming the field', () => {
  assert.equal(provenanceSettingsProblem({ answers: 'hash', onErase: 'erase' }), null);
  assert.equal(provenanceSettingsProblem({ answers: 'text', onErase: 'flag' }), null);
  assert.match(provenanceSettingsProblem({ answers: 'plain' as 'hash', onErase: 'erase' })!, /provenance.answers/);
  assert.match(provenanceSettingsProblem({ answers: 'hash', onErase: 'keep' as 'erase' })!, /provenance.onErase/);
});

test('prompt changes name, per cluster, the representative that left and the one that replaced it', () => {
  assert.deepEqual(promptChanges(['a', 'b', 'c'], ['a', 'b', 'c']), []);
  assert.deepEqual(promptChanges(['a', 'b', 'c'], ['a', 'd', 'c']), [{ cluster: 1, left: 'b', replacedBy: 'd' }]);
  assert.deepEqual(promptChanges(['a', 'b'], ['a', null]), [{ cluster: 1, left: 'b', replacedBy: null }]);
  assert.deepEqual(promptChanges(['a'], ['a', 'e']), [{ cluster: 1, left: null, replacedBy: 'e' }]);
  assert.equal(describePromptChange({ cluster: 1, left: 'b', replacedBy: 'd' }), 'cluster 1: b left the prompt, replaced by d');
});

test('an append never goes through a symbolic link planted in place of the store', () => {
  const path = storePath();
  const elsewhere = join(mkdtempSync(join(tmpdir(), 'erase-prov-target-')), 'target.txt');
  writeFileSync(elsewhere, 'untouched\n');
  symlinkSync(elsewhere, path);
  assert.throws(() => appendRecord(path, rec('cmp-1', ['a'])), /symbolic link/);
  assert.equal(readFileSync(elsewhere, 'utf8'), 'untouched\n');
});
