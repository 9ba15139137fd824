// The editable prompt and the model options through the CLI (issue 12 items 1, 2, 6): what the
// user saves is what the stand-in server receives (checked on the server's side of the HTTP
// connection), the clustered state does not move, and bad templates are refused with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { erase, tempDir, eraseAsync } from './cliHarness';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';

function smallWorkspace(): string {
  const dir = tempDir('prompt');
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({ input: `review ${i}: ${i % 2 ? 'loved every minute' : 'a dull slog'} ${i * 7}`, output: i % 2 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'd.jsonl'), lines.join('\n') + '\n');
  assert.equal(erase(dir, 'init', '--data', 'd.jsonl', '--k', '3').code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  return dir;
}

const stateHash = (dir: string) => erase(dir, 'status', '--json').json().stateHash as string;

test('a saved template and model options reach the server; the state hash does not move', async () => {
  const dir = smallWorkspace();
  const before = stateHash(dir);
  const saved = erase(
    dir,
    'template',
    '--system',
    'You label film reviews.',
    '--instruction',
    'Label each review as {{positive|negative}}.',
    '--example',
    'Review: {input}\nLabel: {output}',
    '--query-format',
    'Review: {query}\nLabel:',
    '--separator',
    '\n--\n',
    '--api',
    'chat',
    '--temperature',
    '0.3',
    '--num-ctx',
    '1024',
    '--json',
  );
  assert.equal(saved.code, 0, saved.stderr);
  assert.equal(saved.json().template.instruction, 'Label each review as {{positive|negative}}.');
  assert.equal(JSON.parse(readFileSync(join(dir, '.erase', 'config.json'), 'utf8')).generation.api, 'chat');
  assert.equal(stateHash(dir), before, 'the template is not part of the clustered state');
  assert.equal(erase(dir, 'status', '--json').json().outOfDate, false);

  const server = createOllamaStandIn({ models: ['fake-llm:latest'], reply: () => 'positive' });
  const host = await server.listen();
  try {
    const r = await eraseAsync(dir, 'complete', '--query', 'what a ride', '--host', host, '--model', 'fake-llm', '--model-seed', '7', '--max-tokens', '3', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const sent = server.log.find((e) => e.path === '/api/chat')!;
    const messages = sent.body.messages as { role: string; content: string }[];
    assert.deepEqual(messages[0], { role: 'system', content: 'You label film reviews.' });
    assert.equal(messages[1].role, 'user');
    const blocks = messages[1].content.split('\n--\n');
    assert.equal(blocks[0], 'Label each review as {positive|negative}.');
    assert.match(blocks[1], /^Review: review \d+: .*\nLabel: (positive|negative)$/);
    assert.equal(blocks.at(-1), 'Review: what a ride\nLabel:');
    assert.equal(blocks.length, 2 + out.promptIds.length);
    // saved options and this run's flags, under Ollama's names; think false by default
    assert.deepEqual(sent.body.options, { temperature: 0.3, num_ctx: 1024, seed: 7, num_predict: 3 });
    assert.equal(sent.body.think, false);
    assert.equal(out.templateVersion, saved.json().templateVersion);
    assert.equal(
      out.promptEvalCount,
      messages
        .map((m) => m.content)
        .join('\n')
        .match(/\s*\S+/g)!.length,
    );
    // `erase prompt` shows the same text that was sent
    assert.equal(erase(dir, 'prompt', '--query', 'what a ride', '--json').json().text, messages[1].content);
  } finally {
    await server.close();
  }
});

test('an unknown placeholder is refused with one line naming field, line and column; nothing is saved', () => {
  const dir = smallWorkspace();
  const config = readFileSync(join(dir, '.erase', 'config.json'), 'utf8');
  const r = erase(dir, 'template', '--example', 'Input: {input}\nOutput: {outptu}');
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /example format, line 2, column 9: unknown placeholder \{outptu\}/);
  assert.equal(readFileSync(join(dir, '.erase', 'config.json'), 'utf8'), config);
  assert.equal(erase(dir, 'template', '--temperature', '7').code, 2);
  assert.equal(erase(dir, 'template', '--api', 'completion').code, 2);
});

test('a workspace configuration of the older format keeps rendering the same prompt', () => {
  const dir = smallWorkspace();
  const path = join(dir, '.erase', 'config.json');
  const cfg = JSON.parse(readFileSync(path, 'utf8'));
  cfg.template = { instruction: 'Answer as {json} {', example: 'Input: {input}\nOutput: {output}', query: 'Input: {query}\nOutput:', separator: '\n\n' };
  delete cfg.generation;
  writeFileSync(path, JSON.stringify(cfg));
  const p = erase(dir, 'prompt', '--query', 'q', '--json');
  assert.equal(p.code, 0, p.stderr);
  assert.ok(p.json().text.startsWith('Answer as {json} {\n\nInput: '));
  assert.ok(p.json().text.endsWith('\n\nInput: q\nOutput:'));
});

test('--json output stays JSON when the server answers with an HTML error page', async () => {
  const dir = smallWorkspace();
  const server = createOllamaStandIn({ models: ['fake-llm:latest'] });
  const host = await server.listen();
  server.setFault({ mode: 'htmlError' });
  try {
    const r = await eraseAsync(dir, 'complete', '--query', 'q', '--host', host, '--model', 'fake-llm', '--json');
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout); // the whole of stdout: no console.log line before it
    assert.match(out.error, /HTTP 502\): 502 Bad Gateway/);
  } finally {
    await server.close();
  }
});

test('the selectors give prompts of the same size: erase, knn, random; zero-shot has no example', () => {
  const dir = smallWorkspace();
  const ids = (selector: string) => erase(dir, 'prompt', '--query', 'loved it', '--selector', selector, '--json').json().ids as string[];
  const k = ids('erase').length;
  assert.equal(ids('knn').length, k);
  assert.equal(ids('random').length, k);
  assert.deepEqual(ids('zero-shot'), []);
  assert.deepEqual(ids('random'), ids('random'), 'deterministic');
  assert.equal(erase(dir, 'prompt', '--selector', 'best').code, 2);
});
