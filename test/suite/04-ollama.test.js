// ERASE: Complete with the ERASE prompt against the Ollama stand-in (real HTTP, real ollama client).
const assert = require('assert');
const vscode = require('vscode');
const { api, setFault, waitFor } = require('./helpers');

const standIn = (p, init) => fetch(`${process.env.ERASE_TEST_OLLAMA_URL}/__test/${p}`, init).then((r) => r.json());

suite('ollama', () => {
  teardown(async () => {
    await setFault(undefined);
    await standIn('delay', { method: 'POST', body: JSON.stringify({ ms: 20 }) });
  });

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

  test('Cancel in the playground closes the HTTP connection before the stream finished', async () => {
    const a = await api();
    await standIn('delay', { method: 'POST', body: JSON.stringify({ ms: 400 }) }); // 7 tokens: ~2.8 s
    const before = (await standIn('log')).length;
    const streamId = 'cancel-test';
    const r = await a.handleWebviewMessage({
      kind: 'request',
      id: 901,
      method: 'complete',
      params: { streamId, query: 'a slow answer', model: 'fake-llm:latest', withExamples: true },
    });
    assert.strictEqual(r.ok, true, r.error);
    // the stream is running: wait for the first token on the server side
    const gen = await waitFor(async () => (await standIn('log')).slice(before).find((e) => e.path === '/api/generate' || e.path === '/api/chat'), 'the completion request');
    await waitFor(async () => (await standIn('log'))[gen.i].tokensSent >= 1, 'a first token');
    const cancelled = await a.handleWebviewMessage({ kind: 'command', method: 'cancelCompletion', params: { streamId } });
    assert.strictEqual(cancelled, undefined);
    const done = await waitFor(
      async () => {
        const e = (await standIn('log'))[gen.i];
        return e.ended && e;
      },
      'the server to see the response end',
      5000,
    );
    assert.strictEqual(done.clientClosed, true, 'the client closed the connection');
    assert.ok(done.tokensSent < 7, `the stream was cut short (${done.tokensSent} of 7 tokens sent)`);
  });
});
