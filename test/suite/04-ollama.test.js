// ERASE: Complete with the ERASE prompt against the Ollama stand-in (real HTTP, real ollama client).
const assert = require('assert');
const vscode = require('vscode');
const { api, setFault } = require('./helpers');

suite('ollama', () => {
  teardown(() => setFault(undefined));

  test('completes with the ERASE prompt and reports the example ids it used', async () => {
    await api();
    const r = await vscode.commands.executeCommand('erase.complete', 'a sweet little film');
    assert.ok(r, 'a result');
    assert.match(r.text, /^stand-in answer after \d+ prompt lines: positive$/);
    assert.ok(r.ids.length >= 1 && r.ids.length <= 4, `ids: ${r.ids}`);
    assert.strictEqual(r.model, 'fake-llm:latest');
  });

  test('a server error mid-stream fails the command instead of returning a partial answer', async () => {
    await setFault({ mode: 'errorMidStream', afterTokens: 2 });
    const r = await vscode.commands.executeCommand('erase.complete', 'q');
    assert.strictEqual(r, undefined);
    await setFault({ mode: 'cutBeforeDone', afterTokens: 2 });
    assert.strictEqual(await vscode.commands.executeCommand('erase.complete', 'q'), undefined);
  });
});
