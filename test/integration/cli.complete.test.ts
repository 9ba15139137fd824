import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { erase, tempDir, eraseAsync } from './cliHarness';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';

function smallWorkspace(): string {
  const dir = tempDir('complete');
  const lines = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({ input: `review ${i}: ${i % 2 ? 'loved every minute' : 'a dull slog'} ${i * 7}`, output: i % 2 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'd.jsonl'), lines.join('\n') + '\n');
  assert.equal(erase(dir, 'init', '--data', 'd.jsonl', '--k', '3').code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  return dir;
}

test('erase complete streams the answer of the real ollama client over HTTP, with the ERASE prompt', async () => {
  const dir = smallWorkspace();
  const server = createOllamaStandIn({ models: ['fake-llm:latest'], reply: (prompt) => `seen ${prompt.split('Input:').length - 1} inputs` });
  const host = await server.listen();
  try {
    const r = await eraseAsync(dir, 'complete', '--query', 'what a ride', '--host', host, '--model', 'fake-llm', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.text, 'seen 4 inputs', 'three examples and the query reached the model');
    assert.equal(out.promptIds.length, 3);
    const sent = server.log.find((e) => e.path === '/api/generate');
    assert.ok(String(sent?.body.prompt).endsWith('Input: what a ride\nOutput:'));

    server.setFault({ mode: 'http500' });
    const failed = await eraseAsync(dir, 'complete', '--query', 'q', '--host', host, '--model', 'fake-llm');
    assert.equal(failed.code, 1);
    assert.equal(failed.stderr.trim().split('\n').length, 1, 'one line');
  } finally {
    await server.close();
  }
});

test('erase complete with no server: exit 1 and one line naming the URL', async () => {
  const dir = smallWorkspace();
  const r = await eraseAsync(dir, 'complete', '--query', 'q', '--host', 'http://127.0.0.1:9', '--model', 'm');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /127\.0\.0\.1:9/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
