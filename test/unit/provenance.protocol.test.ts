import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../src/shared/protocol';

test('completionsUsing: the webview may ask for one example id, nothing else', () => {
  const ok = parseWebviewMessage({ kind: 'request', id: 1, method: 'completionsUsing', params: { id: 'ex-1' } });
  assert.equal(ok.ok, true);
  for (const params of [{}, { id: '' }, { id: 'x'.repeat(201) }, { id: 7 }, { id: 'ex-1', extra: true }, null]) {
    const r = parseWebviewMessage({ kind: 'request', id: 2, method: 'completionsUsing', params });
    assert.equal(r.ok, false, JSON.stringify(params));
  }
});
