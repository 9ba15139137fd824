import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../src/shared/protocol';

const runEval = (params: unknown) => parseWebviewMessage({ kind: 'request', id: 7, method: 'runEval', params });

test('runEval: a split fraction or the picked held-out file, bounded seeds and limit; never a path from the webview', () => {
  assert.equal(runEval({ runId: 'eval-1', split: 0.2, seeds: 3, limit: 50 }).ok, true);
  assert.equal(runEval({ runId: 'eval-1', heldout: true, seeds: 1 }).ok, true);
  for (const bad of [
    { runId: 'eval-1', split: 1, seeds: 3 },
    { runId: 'eval-1', split: 0, seeds: 3 },
    { runId: 'eval-1', split: 0.2, seeds: 0 },
    { runId: 'eval-1', split: 0.2, seeds: 21 },
    { runId: 'eval-1', split: 0.2, seeds: 3, limit: 0 },
    { runId: 'eval-1', split: 0.2, seeds: 2.5 },
    { runId: '', split: 0.2, seeds: 3 },
    // The held-out file is chosen in the host's dialog: a webview cannot name a file to read.
    { runId: 'eval-1', heldout: true, seeds: 3, file: '/etc/passwd' },
  ])
    assert.deepEqual(runEval(bad), { ok: false, error: "invalid params for request 'runEval'", requestId: 7 }, JSON.stringify(bad));
});

test('the dashboard may run only its own commands', () => {
  const run = (command: string) => parseWebviewMessage({ kind: 'command', method: 'runCommand', params: { command } }).ok;
  assert.equal(run('erase.verifyAuditLog'), true);
  assert.equal(run('erase.residuals.focus'), true);
  assert.equal(run('workbench.action.terminal.new'), false);
  assert.equal(parseWebviewMessage({ kind: 'command', method: 'cancelEval', params: { runId: 'eval-1' } }).ok, true);
  assert.equal(parseWebviewMessage({ kind: 'request', id: 1, method: 'getDashboard', params: { extra: 1 } }).ok, false);
});
