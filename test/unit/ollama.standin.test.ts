// The stand-in is itself checked against Ollama's documented API (ollama/ollama docs/api.md; the
// thinking fields from docs/capabilities/thinking and server/routes.go): over raw HTTP, each
// answer must carry every field of the documented example with the same JSON type, so tests that
// pass against the stand-in pass for shapes a real server sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';

// Documented examples (values are only examples; keys and types are what is checked).
const DOC = {
  generateChunk: { model: 'llama3.2', created_at: '2023-08-04T08:52:19.385406455-07:00', response: 'The', done: false },
  generateFinal: {
    model: 'llama3.2',
    created_at: '2023-08-04T19:22:45.499127Z',
    response: '',
    done: true,
    done_reason: 'stop',
    context: [1, 2, 3],
    total_duration: 10706818083,
    load_duration: 6338219291,
    prompt_eval_count: 26,
    prompt_eval_duration: 130079000,
    eval_count: 259,
    eval_duration: 4232710000,
  },
  chatChunk: { model: 'llama3.2', created_at: '2023-08-04T08:52:19.385406455-07:00', message: { role: 'assistant', content: 'The' }, done: false },
  chatFinal: {
    model: 'llama3.2',
    created_at: '2023-08-04T19:22:45.499127Z',
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: 'stop',
    total_duration: 4883583458,
    load_duration: 1334875,
    prompt_eval_count: 26,
    prompt_eval_duration: 342546000,
    eval_count: 282,
    eval_duration: 4535599000,
  },
  generateThinking: { model: 'qwen3', created_at: '2025-08-15T22:55:08.508229261Z', response: '', thinking: 'Need', done: false },
  chatThinking: { model: 'qwen3', created_at: '2025-08-15T22:55:08.508229261Z', message: { role: 'assistant', content: '', thinking: 'Need' }, done: false },
  tags: {
    models: [
      {
        name: 'llama3.2:latest',
        model: 'llama3.2:latest',
        modified_at: '2023-11-04T14:56:49.277302595-07:00',
        size: 7365960935,
        digest: '9f438cb9cd581fc025612d27f7c1a6669ff83a8bb0ed86c94fcf4c5440555697',
        details: { format: 'gguf', family: 'llama', families: null as unknown, parameter_size: '13B', quantization_level: 'Q4_0' },
      },
    ],
  },
  embed: { model: 'all-minilm', embeddings: [[0.010071029, -0.0017594862]], total_duration: 14143917, load_duration: 1019500, prompt_eval_count: 8 },
  error: { error: 'model not found' },
};

/** Every key of `doc` is in `got` with the same JSON type (arrays: the first element's shape; null in the doc: any). */
function assertShape(got: unknown, doc: unknown, path = '$'): void {
  if (doc === null) return;
  const type = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  assert.equal(type(got), type(doc), `${path}: expected ${type(doc)}, got ${type(got)} (${JSON.stringify(got)})`);
  if (Array.isArray(doc)) {
    if (doc.length) assert.ok((got as unknown[]).length > 0, `${path}: empty array`);
    if (doc.length) assertShape((got as unknown[])[0], doc[0], `${path}[0]`);
  } else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      assert.ok(Object.prototype.hasOwnProperty.call(got, k), `${path}.${k} missing`);
      assertShape((got as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
  }
}

const fake = createOllamaStandIn({ reply: () => 'an answer of five tokens' });
let host = '';
test.before(async () => {
  host = await fake.listen(0);
});
test.after(() => fake.close());

async function lines(path: string, body: unknown): Promise<{ status: number; type: string; parts: Record<string, unknown>[] }> {
  const res = await fetch(`${host}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    parts: text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l)),
  };
}

test('the doc-shape check itself fails on a missing field or a wrong type', () => {
  assert.throws(() => assertShape({ model: 'm', created_at: 't', done: false }, DOC.generateChunk), /\$\.response missing/);
  assert.throws(() => assertShape({ ...DOC.generateFinal, prompt_eval_count: '26' }, DOC.generateFinal), /prompt_eval_count: expected number, got string/);
});

test('/api/generate streams NDJSON chunks and a final line of the documented shape', async () => {
  const r = await lines('/api/generate', { model: 'fake-llm', prompt: 'Why is the sky blue?' });
  assert.equal(r.type, 'application/x-ndjson');
  for (const p of r.parts.slice(0, -1)) assertShape(p, DOC.generateChunk);
  assertShape(r.parts.at(-1), DOC.generateFinal);
  const single = await lines('/api/generate', { model: 'fake-llm', prompt: 'Why?', stream: false });
  assert.equal(single.parts.length, 1);
  assertShape(single.parts[0], DOC.generateFinal);
  assert.equal(single.parts[0].response, 'an answer of five tokens');
});

test('/api/chat streams message chunks and a final line of the documented shape', async () => {
  const r = await lines('/api/chat', { model: 'fake-llm', messages: [{ role: 'user', content: 'hi' }] });
  for (const p of r.parts.slice(0, -1)) assertShape(p, DOC.chatChunk);
  assertShape(r.parts.at(-1), DOC.chatFinal);
});

test('a thinking model thinks unless think is false; its thinking has the documented fields', async () => {
  const g = await lines('/api/generate', { model: 'fake-think', prompt: 'x' });
  const thinking = g.parts.filter((p) => p.thinking);
  assert.ok(thinking.length > 0);
  for (const p of thinking) assertShape(p, DOC.generateThinking);
  assert.ok(thinking.every((p) => p.response === '')); // nothing of the answer streams while it thinks
  const c = await lines('/api/chat', { model: 'fake-think', messages: [{ role: 'user', content: 'x' }] });
  const chatThinking = c.parts.filter((p) => (p.message as { thinking?: string }).thinking);
  assert.ok(chatThinking.length > 0);
  for (const p of chatThinking) assertShape(p, DOC.chatThinking);
  const off = await lines('/api/generate', { model: 'fake-think', prompt: 'x', think: false });
  assert.ok(off.parts.every((p) => !('thinking' in p)));
  const refused = await lines('/api/generate', { model: 'fake-llm', prompt: 'x', think: true });
  assert.equal(refused.status, 400);
  assertShape(refused.parts[0], DOC.error);
  assert.equal(refused.parts[0].error, '"fake-llm" does not support thinking');
});

test('prompt_eval_count is at most the context: options.num_ctx, else the server default', async () => {
  const words = 'w '.repeat(5000);
  const withCtx = await lines('/api/generate', { model: 'fake-llm', prompt: words, options: { num_ctx: 512 }, stream: false });
  assert.equal(withCtx.parts[0].prompt_eval_count, 512);
  const byDefault = await lines('/api/generate', { model: 'fake-llm', prompt: words, stream: false });
  assert.equal(byDefault.parts[0].prompt_eval_count, 4096);
  const fits = await lines('/api/generate', { model: 'fake-llm', prompt: 'a b c', stream: false });
  assert.equal(fits.parts[0].prompt_eval_count, 3);
});

test('/api/tags, /api/embed and errors have the documented shapes', async () => {
  assertShape(await (await fetch(`${host}/api/tags`)).json(), DOC.tags);
  assertShape((await lines('/api/embed', { model: 'fake-embed', input: ['a'] })).parts[0], DOC.embed);
  const missing = await lines('/api/generate', { model: 'nope', prompt: 'x' });
  assert.equal(missing.status, 404);
  assertShape(missing.parts[0], DOC.error);
});
