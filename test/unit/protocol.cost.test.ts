import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COST_INPUT_KEYS, parseWebviewMessage } from '../../src/shared/protocol';
import { COST_INPUT_INFO } from '../../src/core/cost';

const costMsg = (overrides: unknown) => ({ kind: 'request', id: 7, method: 'unlearningCost', params: { overrides } });

test('unlearningCost: the webview may set any formula input to a number ≥ 0, and nothing else', () => {
  assert.deepEqual([...COST_INPUT_KEYS].sort(), Object.keys(COST_INPUT_INFO).sort(), 'the protocol names every input core knows');
  assert.equal(parseWebviewMessage(costMsg({})).ok, true);
  assert.equal(parseWebviewMessage(costMsg({ queriesPerDay: 500, shards: 8, gpuPerHour: 1.25, certifiedShare: 0 })).ok, true);
  for (const bad of [{ queriesPerDay: -1 }, { shards: '4' }, { gpuPerHour: Infinity }, { price: 1 }, { months: 1e300 }, null, [1]]) {
    assert.deepEqual(parseWebviewMessage(costMsg(bad)), { ok: false, error: "invalid params for request 'unlearningCost'", requestId: 7 }, JSON.stringify(bad));
  }
  assert.equal(
    parseWebviewMessage({ kind: 'request', id: 7, method: 'unlearningCost', params: { overrides: {}, evalResultsFile: '/etc/passwd' } }).ok,
    false,
    'no file path from the webview',
  );
});
