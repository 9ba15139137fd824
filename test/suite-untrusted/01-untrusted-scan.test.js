// In an untrusted workspace the residual-copy scan (which runs git in the folder) is the user's
// call: after an erasure the extension asks first; declined, nothing is scanned; accepted, it scans.
const assert = require('assert');
const vscode = require('vscode');
const { api, waitFor } = require('../suite/helpers');

suite('untrusted workspace (workspace trust on, a fresh profile)', () => {
  test('the folder is in restricted mode and the extension still activates', async () => {
    assert.strictEqual(vscode.workspace.isTrusted, false, 'this profile never trusted the folder');
    const a = await api();
    assert.ok(a, 'activated in restricted mode');
    await vscode.commands.executeCommand('erase.cluster');
  });

  test('after an erasure the scan asks first; declined, nothing is scanned and the erasure stands', async () => {
    const a = await api();
    const asked = [];
    a.answerConfirmations((message) => {
      asked.push(message);
      return !/not trusted/.test(message); // confirm the erasure, decline the scan
    });
    try {
      const receipt = await vscode.commands.executeCommand('erase.eraseSelected', { ids: ['neg-7'], requester: 'untrusted test', confirm: false });
      assert.deepStrictEqual([...receipt.erasedIds], ['neg-7']);
      await waitFor(() => asked.some((m) => /not trusted/.test(m)), 'the question before the scan', 20000);
      const r = await a.views.residuals.running;
      assert.strictEqual(r, undefined, 'declined: no scan ran');
      assert.strictEqual(a.views.residuals.result, undefined, 'and no result is shown');
    } finally {
      a.answerConfirmations(undefined);
    }
  });

  test('accepted, the scan runs and reports places', async () => {
    const a = await api();
    a.answerConfirmations(() => true);
    try {
      const receipt = await vscode.commands.executeCommand('erase.eraseSelected', { ids: ['neg-8'], requester: 'untrusted test', confirm: false });
      const res = await waitFor(
        async () => {
          const r = await a.views.residuals.running;
          return r && r.trigger.includes(receipt.requestId) && r;
        },
        'the residual scan after the user said yes',
        30000,
      );
      assert.ok(res.report.filesScanned > 0, 'the folder was scanned');
    } finally {
      a.answerConfirmations(undefined);
    }
  });
});
