// Deletion requests through the workbench protocol: record → preview (text) → run / refuse, and
// the Deletion requests tree built from the request records (status, deadline, OVERDUE, receipt).
// Runs after 05: it erases from the workspace too.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');
const { api, dataFile, waitFor } = require('./helpers');

let nextId = 1000;
const req = async (a, method, params) => a.handleWebviewMessage({ kind: 'request', id: nextId++, method, params });
const treeRecords = async (a) => {
  const nodes = await a.views.deletionRequests.getChildren();
  return nodes.map((n) => ({ node: n, item: a.views.deletionRequests.getTreeItem(n) }));
};

suite('deletion requests', () => {
  // The host confirms every erasure the webview asks for with a modal; here the test answers it.
  suiteSetup(async () => (await api()).answerConfirmations(() => true));
  suiteTeardown(async () => (await api()).answerConfirmations(undefined));
  test('invalid request messages are rejected', async () => {
    const a = await api();
    const bad = [
      ['createRequest', { requester: 'x', match: { kind: 'ids', value: 'pos-2', ignoreCase: true } }],
      ['createRequest', { requester: '', match: { kind: 'text', value: 'film', ignoreCase: true } }],
      ['createRequest', { requester: 'x', match: { kind: 'text', value: 'film' } }],
      ['createRequest', { requester: 'x', match: { kind: 'text', value: 'film', ignoreCase: true }, deadlineDays: 0 }],
      ['createRequest', { requester: 'x', match: { kind: 'text', value: 'film', ignoreCase: true, extra: 1 } }],
      ['runRequest', { requestId: 'REQ-1', confirm: false }],
      ['refuseRequest', { requestId: 'REQ-1', reason: '' }],
      ['previewRequest', { requestId: 7 }],
    ];
    for (const [method, params] of bad) {
      const r = await req(a, method, params);
      assert.strictEqual(r.ok, false, `${method} ${JSON.stringify(params)}`);
      assert.match(r.error, /^rejected:/);
    }
  });

  test('a new request shows its preview as text and erases nothing', async () => {
    const a = await api();
    const before = fs.readFileSync(dataFile(), 'utf8');
    const r = await req(a, 'createRequest', {
      requester: 'dpo@example.com',
      subjectRef: 'TICKET-7',
      reason: 'GDPR art. 17',
      match: { kind: 'text', value: 'JOKES FALL FLAT', ignoreCase: true },
    });
    assert.strictEqual(r.ok, true, r.error);
    assert.strictEqual(r.result.record.status, 'matched');
    assert.strictEqual(r.result.record.matchedCount, 1);
    assert.strictEqual(r.result.total, 1);
    assert.deepStrictEqual(
      r.result.preview.map((e) => [e.id, e.input]),
      [['neg-6', 'the jokes fall flat every time']],
    );
    assert.strictEqual(fs.readFileSync(dataFile(), 'utf8'), before, 'nothing erased by a preview');
    const rows = await waitFor(async () => {
      const x = await treeRecords(a);
      return x.some((t) => t.node.requestId === r.result.record.requestId) && x;
    }, 'the record in the tree');
    const row = rows.find((t) => t.node.requestId === r.result.record.requestId);
    assert.strictEqual(row.item.label, 'dpo@example.com');
    assert.match(row.item.description, /waiting · TICKET-7 · 1 matched · due \d{4}-\d\d-\d\d/);
    assert.strictEqual(row.item.contextValue, 'deletionRequest.matched');
  });

  test('Run executes the request: the record is erased with a receipt', async () => {
    const a = await api();
    const waiting = (await treeRecords(a)).find((t) => t.node.subjectRef === 'TICKET-7');
    const r = await req(a, 'runRequest', { requestId: waiting.node.requestId });
    assert.strictEqual(r.ok, true, r.error);
    assert.deepStrictEqual(r.result.receipt.erasedIds, ['neg-6']);
    assert.ok(['erased', 'verified'].includes(r.result.record.status));
    assert.strictEqual(r.result.record.receipt.erasedCount, 1);
    assert.ok(!fs.readFileSync(dataFile(), 'utf8').includes('jokes fall flat'));
    const row = await waitFor(async () => (await treeRecords(a)).find((t) => t.node.requestId === waiting.node.requestId && t.node.status !== 'matched'), 'erased record');
    assert.match(row.item.description, /erased · TICKET-7 · 1 erased/);
    assert.match(row.item.tooltip.value.replace(/&nbsp;/g, ' ').replace(/\\/g, ''), /Receipt: 1 erased, (certified|retrained), audit entry #\d+/);
    const again = await req(a, 'refuseRequest', { requestId: waiting.node.requestId, reason: 'too late' });
    assert.strictEqual(again.ok, false, 'an erased request cannot be refused');
  });

  test('Refuse records the reason and erases nothing', async () => {
    const a = await api();
    const c = await req(a, 'createRequest', { requester: 'legal', match: { kind: 'regex', value: '^loud, long', ignoreCase: false } });
    assert.strictEqual(c.ok, true, c.error);
    assert.deepStrictEqual(
      c.result.preview.map((e) => e.id),
      ['neg-11'],
    );
    const r = await vscode.commands.executeCommand('erase.refuseRequest', { requestId: c.result.record.requestId, reason: 'legal hold' });
    assert.strictEqual(r.status, 'refused');
    assert.ok(fs.readFileSync(dataFile(), 'utf8').includes('loud, long and boring'));
    const run = await req(a, 'runRequest', { requestId: c.result.record.requestId });
    assert.strictEqual(run.ok, false, 'a refused request cannot run');
    const listed = await req(a, 'listRequests', {});
    const rec = listed.result.requests.find((x) => x.requestId === c.result.record.requestId);
    assert.strictEqual(rec.refusedReason, 'legal hold');
  });

  test('a waiting request past its deadline is marked OVERDUE', async () => {
    const a = await api();
    const c = await req(a, 'createRequest', { requester: 'late', match: { kind: 'text', value: 'two hours', ignoreCase: true }, deadlineDays: 1 });
    assert.strictEqual(c.ok, true, c.error);
    assert.strictEqual(c.result.record.overdue, false);
    // move its deadline into the past in the record file (as if it had waited for weeks)
    // (the record's line in the log, edited in place: an ISO time of the same length keeps every offset)
    const file = path.join(path.dirname(dataFile()), '.erase', 'requests.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.trim() !== '' && JSON.parse(l).record.requestId === c.result.record.requestId);
    const line = JSON.parse(lines[at]);
    assert.strictEqual(line.record.deadline.length, '2000-01-01T00:00:00.000Z'.length);
    line.record.deadline = '2000-01-01T00:00:00.000Z';
    lines[at] = JSON.stringify(line);
    fs.writeFileSync(file, lines.join('\n'));
    const row = (await treeRecords(a)).find((t) => t.node.requestId === c.result.record.requestId);
    assert.ok(row.node.overdue);
    assert.match(row.item.description, /OVERDUE/);
    assert.strictEqual(row.item.iconPath.id, 'warning');
  });

  test('erasures from commands and the inspector are recorded as requests too', async () => {
    const a = await api();
    const r = await req(a, 'erase', { ids: ['pos-12'], requester: 'inspector user' });
    assert.strictEqual(r.ok, true, r.error);
    const listed = await req(a, 'listRequests', {});
    const rec = listed.result.requests.find((x) => x.requestId === r.result.requestId);
    assert.ok(rec, 'a record for the inspector erasure');
    assert.strictEqual(rec.requester, 'inspector user');
    assert.ok(['erased', 'verified'].includes(rec.status));
    // the two command erasures of suite "erase" (customer X) are records as well
    assert.ok(listed.result.requests.filter((x) => x.requester === 'customer X' && x.status !== 'matched').length >= 2);
  });
});
