// Activation: the extension activates from its contributions (no '*'), fast, and registers its commands.
const assert = require('assert');
const vscode = require('vscode');

const EXT_ID = 'erase-workbench.erase-workbench';

suite('activation', () => {
  test('is installed and not activated by "*"', () => {
    const ext = vscode.extensions.getExtension(EXT_ID);
    assert.ok(ext, `${EXT_ID} is installed`);
    assert.ok(!ext.packageJSON.activationEvents.includes('*'), 'no * activation');
  });

  test('activates and reports its activation time', async () => {
    const ext = vscode.extensions.getExtension(EXT_ID);
    const api = await ext.activate();
    assert.ok(ext.isActive);
    assert.strictEqual(typeof api.activationMs, 'number');
    assert.ok(api.activationMs < 500, `activation took ${api.activationMs} ms`);
    if (process.env.ERASE_TEST_OUT)
      require('fs').writeFileSync(require('path').join(process.env.ERASE_TEST_OUT, 'activation.json'), JSON.stringify({ activationMs: api.activationMs }));
  });

  test('registers every contributed command', async () => {
    const ext = vscode.extensions.getExtension(EXT_ID);
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = ext.packageJSON.contributes.commands.map((c) => c.command).filter((c) => !all.has(c));
    assert.deepStrictEqual(missing, []);
  });
});
