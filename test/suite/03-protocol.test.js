// The host validates every webview message: malformed ones are rejected with an error reply
// (when they carry an id) and never reach core.
const assert = require('assert');
const { api } = require('./helpers');

suite('webview protocol', () => {
  test('rejects malformed messages', async () => {
    const a = await api();
    const bad = [
      { kind: 'request', id: 1, method: 'erase', params: { ids: 'pos-1' } },
      { kind: 'request', id: 2, method: 'erase', params: { ids: ['pos-1'], evil: true } },
      { kind: 'request', id: 3, method: 'runShell', params: {} },
      { kind: 'request', id: 4, method: 'getExample', params: { id: 42 } },
      { kind: 'request', id: 5, method: 'getExample', params: { id: 'pos-1' }, extra: 1 },
      { kind: 'request', id: 6, method: 'complete', params: { streamId: 's', query: 'q', model: 'm', withExamples: 'yes' } },
    ];
    for (const m of bad) {
      const r = await a.handleWebviewMessage(m);
      assert.strictEqual(r.kind, 'reply');
      assert.strictEqual(r.id, m.id);
      assert.strictEqual(r.ok, false, JSON.stringify(m));
      assert.match(r.error, /^rejected:/);
    }
    for (const m of [null, 'erase', [], { kind: 'request', method: 'verify', params: {} }, { kind: 'command', method: 'revealExample', params: {} }]) {
      assert.strictEqual(await a.handleWebviewMessage(m), undefined, JSON.stringify(m));
    }
  });

  test('answers a valid request with the example (text as data)', async () => {
    const a = await api();
    const r = await a.handleWebviewMessage({ kind: 'request', id: 9, method: 'getExample', params: { id: 'hostile-script' } });
    assert.strictEqual(r.ok, true, r.error);
    assert.strictEqual(r.result.input, "</script><script>document.title='pwned-script'</script>");
    const miss = await a.handleWebviewMessage({ kind: 'request', id: 10, method: 'getExample', params: { id: 'no-such-id' } });
    assert.strictEqual(miss.ok, false);
  });

  test('a webview erasure is confirmed by a modal in the host; declined, nothing is erased', async () => {
    const a = await api();
    const fs = require('fs');
    const { dataFile } = require('./helpers');
    const before = fs.readFileSync(dataFile(), 'utf8');
    const asked = [];
    a.answerConfirmations((message) => (asked.push(message), false));
    try {
      const r = await a.handleWebviewMessage({ kind: 'request', id: 20, method: 'erase', params: { ids: ['hostile-script'] } });
      assert.strictEqual(r.ok, false);
      assert.match(r.error, /cancelled/);
      assert.strictEqual(asked.length, 1);
      assert.match(asked[0], /Erase 1 example/);
      assert.strictEqual(fs.readFileSync(dataFile(), 'utf8'), before);
    } finally {
      a.answerConfirmations(undefined);
    }
  });

  test('an erase message with more ids than the inspector lists is refused before any dialog', async () => {
    const a = await api();
    let asked = 0;
    a.answerConfirmations(() => (asked++, true));
    try {
      const ids = Array.from({ length: 51 }, (_, i) => `id-${i}`);
      const r = await a.handleWebviewMessage({ kind: 'request', id: 21, method: 'erase', params: { ids } });
      assert.strictEqual(r.ok, false);
      assert.match(r.error, /^rejected:/);
      assert.strictEqual(asked, 0);
    } finally {
      a.answerConfirmations(undefined);
    }
  });
});
