// Side by side (issue 12 item 3) in core: one query, the prompts of four selectors, answered in
// parallel; cancelling one column closes only its connection (seen on the server's side). And the
// template is not part of the clustered state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EraseWorkspace } from '../../src/core/workspace';
import { CancelledError } from '../../src/core/errors';
import { completePrompt } from '../../src/core/prompt/complete';
import { PROMPT_SELECTORS, selectorPrompt } from '../../src/core/prompt/selectorPrompts';
import { savePromptSettings } from '../../src/core/prompt/settings';
import { DEFAULT_GENERATION } from '../../src/core/ollama/generation';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';
import { tempDir } from './workspace.helpers';

async function workspace(): Promise<EraseWorkspace> {
  const dir = tempDir('erase-columns-');
  const file = join(dir, 'd.jsonl');
  writeFileSync(
    file,
    Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({ id: `e${i}`, input: `review ${i} ${i % 2 ? 'lovely' : 'dull'} film ${i * 3}`, output: i % 2 ? 'positive' : 'negative' }),
    ).join('\n') + '\n',
  );
  const ws = EraseWorkspace.init(file, { k: 3 });
  await ws.cluster();
  return ws;
}

test('four columns stream in parallel; cancelling one closes only its connection', async () => {
  const ws = await workspace();
  const fake = createOllamaStandIn({ reply: () => 'one two three four five six seven eight', delayMs: 60 });
  const host = await fake.listen(0);
  try {
    const prompts = await Promise.all(PROMPT_SELECTORS.map((s) => selectorPrompt(ws, s, 'a lovely film')));
    const k = prompts[0].ids.length;
    assert.deepEqual(
      prompts.map((p) => [p.selector, p.ids.length]),
      [
        ['erase', k],
        ['knn', k],
        ['random', k],
        ['zeroShot', 0],
      ],
    );
    const controllers = prompts.map(() => new AbortController());
    let knnStarted!: () => void;
    const knnStreaming = new Promise<void>((ok) => (knnStarted = ok));
    const runs = prompts.map((prompt, i) =>
      completePrompt({ host, model: 'fake-llm', prompt, generation: DEFAULT_GENERATION, signal: controllers[i].signal, onToken: () => i === 1 && knnStarted() }),
    );
    await knnStreaming; // the knn column has started streaming
    controllers[1].abort();
    const settled = await Promise.allSettled(runs);
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    assert.ok((settled[1] as PromiseRejectedResult).reason instanceof CancelledError);
    for (const i of [0, 2, 3]) assert.equal((settled[i] as PromiseFulfilledResult<{ text: string }>).value.text, 'one two three four five six seven eight');
    const requests = fake.log.filter((e) => e.path === '/api/generate');
    await Promise.all(requests.map((e) => e.ended));
    // each column's request carried its own prompt: match them on the server's side by prompt text
    const byPrompt = new Map(requests.map((e) => [e.body.prompt as string, e] as const));
    assert.equal(byPrompt.size, 4);
    for (const [i, p] of prompts.entries()) assert.equal(byPrompt.get(p.text)!.clientClosed, i === 1, p.selector);
    assert.ok(byPrompt.get(prompts[1].text)!.tokensSent < 8);
  } finally {
    await fake.close();
  }
});

test('saving a new template changes the prompt text and its version, not the state hash nor the example ids', async () => {
  const ws = await workspace();
  const before = { hash: (await ws.loadModel()).stateHash, prompt: await ws.prompt('q') };
  savePromptSettings(ws, { template: { ...ws.config.template, instruction: 'Other words.', example: '<{input}|{output}>' }, generation: { ...DEFAULT_GENERATION, api: 'chat' } });
  const reopened = EraseWorkspace.open(ws.dataFile);
  const after = await reopened.prompt('q');
  assert.equal((await reopened.loadModel()).stateHash, before.hash);
  assert.equal(reopened.status().outOfDate, false);
  assert.deepEqual(after.ids, before.prompt.ids);
  assert.notEqual(after.text, before.prompt.text);
  assert.ok(after.text.startsWith('Other words.\n\n<'));
  assert.notEqual(after.templateVersion, before.prompt.templateVersion);
  assert.equal(reopened.config.generation.api, 'chat');
  // an invalid template is refused and nothing is written
  assert.throws(() => savePromptSettings(reopened, { template: { ...reopened.config.template, query: '{q}' } }), /query format, line 1, column 1: unknown placeholder \{q\}/);
  assert.equal(EraseWorkspace.open(ws.dataFile).config.template.example, '<{input}|{output}>');
});
