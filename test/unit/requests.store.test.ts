import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestStore, type DeletionRequestRecord } from '../../src/core/requests/store';
import { UserError } from '../../src/core/errors';

const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'erase-requests-'));
  dirs.push(d);
  return d;
}

const SECRET = 'the customer Jane Roe, account 4711';
function waiting(requestId: string): DeletionRequestRecord {
  const time = '2026-11-30T08:00:00.000Z';
  return {
    requestId,
    receivedAt: time,
    deadline: '2026-12-30T08:00:00.000Z',
    status: 'matched',
    match: { kind: 'text', value: `${SECRET} (${requestId})` },
    matchedIds: ['a1', 'b2'],
    matchedCount: 2,
    history: [
      { status: 'received', time },
      { status: 'matched', time },
    ],
  };
}
function erased(r: DeletionRequestRecord): DeletionRequestRecord {
  return { ...r, status: 'erased', match: { kind: r.match.kind }, matchedIds: undefined, history: [...r.history, { status: 'erased', time: '2026-11-30T09:00:00.000Z' }] };
}
const logBytes = (d: string) => readFileSync(join(d, 'requests.jsonl'));

test('records are appended, the latest version wins, the list keeps the order of creation, and an older version leaves no byte behind', () => {
  const d = dir();
  const store = RequestStore.open(d);
  for (const id of ['R1', 'R2', 'R3']) store.upsert(waiting(id));
  store.upsert(erased(waiting('R2')));
  const again = RequestStore.open(d);
  assert.deepEqual(
    again.list().map((r) => `${r.requestId}:${r.status}`),
    ['R1:matched', 'R2:erased', 'R3:matched'],
  );
  assert.equal(again.get('R2')!.status, 'erased');
  assert.equal(again.get('R2')!.match.value, undefined);
  assert.equal(again.get('nope'), undefined);
  const text = logBytes(d).toString('utf8');
  assert.ok(!text.includes('(R2)'), 'the matched text of the erased request is gone from the log');
  assert.ok(text.includes('(R1)') && text.includes('(R3)'), 'waiting requests keep theirs');
  assert.equal(text.split('\n').length - 1, 4, 'one line per version, the old one blanked in place');
});

test('the records of an earlier release (requests.json) are read, and moved to the log at the first change', () => {
  const d = dir();
  writeFileSync(join(d, 'requests.json'), JSON.stringify({ format: 'erase-requests/1', requests: [waiting('OLD-1'), waiting('OLD-2')] }, null, 2));
  const store = RequestStore.open(d);
  assert.deepEqual(
    store.list().map((r) => r.requestId),
    ['OLD-1', 'OLD-2'],
  );
  assert.equal(existsSync(join(d, 'requests.jsonl')), false, 'reading migrates nothing');
  store.upsert(erased(waiting('OLD-1')));
  assert.equal(existsSync(join(d, 'requests.json')), false, 'the old file is gone');
  assert.ok(!logBytes(d).toString('utf8').includes('(OLD-1)'));
  assert.deepEqual(
    RequestStore.open(d)
      .list()
      .map((r) => `${r.requestId}:${r.status}`),
    ['OLD-1:erased', 'OLD-2:matched'],
  );
  // A migration interrupted after the log was written: the old file is removed when the log is next opened.
  writeFileSync(join(d, 'requests.json'), JSON.stringify({ requests: [waiting('OLD-1')] }));
  assert.equal(RequestStore.open(d).get('OLD-1')!.status, 'erased');
  assert.equal(existsSync(join(d, 'requests.json')), false);
});

test('the index is derived: missing, lagging or longer than the log, the records are still found', () => {
  const d = dir();
  const store = RequestStore.open(d);
  for (let i = 0; i < 20; i++) store.upsert(waiting(`R${i}`));
  rmSync(join(d, 'requests.idx'));
  assert.equal(RequestStore.open(d).get('R7')!.requestId, 'R7', 'no index');
  store.upsert(waiting('R20'));
  truncateSync(join(d, 'requests.idx'), 16 * 5); // lags the log
  assert.equal(RequestStore.open(d).get('R19')!.requestId, 'R19');
  store.upsert(erased(waiting('R19')));
  assert.equal(RequestStore.open(d).get('R19')!.status, 'erased');
  for (let i = 0; i <= 20; i++) assert.equal(RequestStore.open(d).get(`R${i}`)?.requestId, `R${i}`, `R${i} is still found after a change made with a lagging index`);
  assert.ok(!logBytes(d).toString('utf8').includes('(R19)'), 'an index that lagged still finds the older version to blank');
  appendFileSync(join(d, 'requests.idx'), Buffer.alloc(16 * 3, 0xff)); // names lines past the log's end
  assert.equal(RequestStore.open(d).get('R3')!.requestId, 'R3');
  store.upsert(waiting('R21')); // writes the index afresh
  // An index that points inside lines (left from before a compaction that a crash cut): rebuilt, not "damaged".
  const idx = readFileSync(join(d, 'requests.idx'));
  assert.equal(idx.length, 16 * 22, '23 lines, one of them blanked');
  for (let i = 0; i + 16 <= idx.length; i += 16) idx.writeUIntLE(idx.readUIntLE(i + 8, 6) + 5, i + 8, 6);
  writeFileSync(join(d, 'requests.idx'), idx);
  for (let i = 0; i <= 21; i++) assert.equal(RequestStore.open(d).get(`R${i}`)?.requestId, `R${i}`);
  store.upsert(waiting('R22'));
  for (let i = 0; i <= 22; i++) assert.equal(RequestStore.open(d).get(`R${i}`)?.requestId, `R${i}`);
});

test('a torn last line (a crash mid-append) is ignored by readers and cut by the next change; a damaged line is an error', () => {
  const d = dir();
  const store = RequestStore.open(d);
  store.upsert(waiting('R1'));
  appendFileSync(join(d, 'requests.jsonl'), '{"first":-1,"record":{"requestId":"R2","sta');
  assert.deepEqual(
    RequestStore.open(d)
      .list()
      .map((r) => r.requestId),
    ['R1'],
  );
  store.upsert(waiting('R3'));
  assert.deepEqual(
    RequestStore.open(d)
      .list()
      .map((r) => r.requestId),
    ['R1', 'R3'],
  );
  assert.ok(!logBytes(d).toString('utf8').includes('"sta'.concat('\n')), 'the torn tail was cut');
  appendFileSync(join(d, 'requests.jsonl'), '{not json}\n');
  assert.throws(
    () => RequestStore.open(d).list(),
    (e: unknown) => e instanceof UserError && /requests\.jsonl is damaged/.test(e.message),
  );
});

test('a change that a crash cut after its append is settled: the older version is blanked', () => {
  const d = dir();
  const store = RequestStore.open(d);
  store.upsert(waiting('R1'));
  // As if the process died after appending the erased version, before blanking the matched one.
  appendFileSync(join(d, 'requests.jsonl'), JSON.stringify({ first: 0, record: erased(waiting('R1')) }) + '\n');
  assert.ok(logBytes(d).toString('utf8').includes('(R1)'));
  assert.equal(RequestStore.open(d).get('R1')!.status, 'erased');
  RequestStore.open(d).settle('R1');
  assert.ok(!logBytes(d).toString('utf8').includes('(R1)'));
  assert.deepEqual(
    RequestStore.open(d)
      .list()
      .map((r) => `${r.requestId}:${r.status}`),
    ['R1:erased'],
  );
});

test('a log mostly of blanked versions is compacted, so its size follows the records, not the changes', () => {
  const d = dir();
  const store = RequestStore.open(d);
  for (let round = 0; round < 200; round++) for (const id of ['A', 'B']) store.upsert({ ...waiting(id), matchedCount: round });
  const lines = logBytes(d).toString('utf8').split('\n').length - 1;
  assert.ok(lines < 300, `the log has ${lines} lines after 400 changes of 2 records`);
  assert.deepEqual(
    RequestStore.open(d)
      .list()
      .map((r) => `${r.requestId}:${r.matchedCount}`),
    ['A:199', 'B:199'],
  );
});
