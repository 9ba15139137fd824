// What a real Ollama does that earlier stand-ins did not (issue 12 item 6), and the model options
// of a completion reaching the server: checked on the stand-in's side of the HTTP connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/core/errors';
import { displayHost, listModels, streamCompletion } from '../../src/core/ollama/client';
import { toOllamaError } from '../../src/core/ollama/connection';
import { completePrompt, promptBudget } from '../../src/core/prompt/complete';
import { DEFAULT_GENERATION, type GenerationSettings } from '../../src/core/ollama/generation';
import { renderPrompt } from '../../src/core/erase/prompt';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';

const fake = createOllamaStandIn({ reply: (p) => `seen ${p.split(/\s+/).length} words` });
let host = '';
test.before(async () => {
  host = await fake.listen(0);
});
test.after(() => fake.close());

const lastBody = () => fake.log[fake.log.length - 1].body;
const gen = (over: Partial<GenerationSettings> = {}): GenerationSettings => ({ ...DEFAULT_GENERATION, ...over });

test('a host without a port goes to 11434, and errors name the URL with its port', async () => {
  assert.equal(displayHost('localhost'), 'http://localhost:11434');
  assert.equal(displayHost('192.168.1.5'), 'http://192.168.1.5:11434');
  assert.equal(displayHost('http://gpu-box'), 'http://gpu-box:11434');
  assert.equal(displayHost('http://gpu-box/'), 'http://gpu-box:11434');
  assert.equal(displayHost(':11500'), 'http://127.0.0.1:11500');
  assert.equal(displayHost('[::1]'), 'http://[::1]:11434');
  assert.equal(displayHost('https://ollama.example.org'), 'https://ollama.example.org'); // https: 443, as the ollama CLI reads OLLAMA_HOST
  assert.equal(displayHost('http://proxy:8080/ollama/'), 'http://proxy:8080/ollama');
  assert.equal(displayHost(undefined), 'http://127.0.0.1:11434');
  // the URL the client really requests, and the one the error names
  const seen: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (url: string | URL | Request) => {
    seen.push(String(url));
    throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
  }) as typeof fetch;
  try {
    await assert.rejects(listModels('localhost'), (e: unknown) => e instanceof UserError && e.message.includes('not reachable at http://localhost:11434:'));
    await assert.rejects(listModels('http://gpu-box'), /not reachable at http:\/\/gpu-box:11434:/);
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(seen, ['http://localhost:11434/api/tags', 'http://gpu-box:11434/api/tags']);
});

test("Node's 300 s headers timeout is reported as a slow answer, never as 'not reachable'", () => {
  // the shape Node's fetch (undici) throws: TypeError('fetch failed') caused by HeadersTimeoutError
  const headersTimeout = new TypeError('fetch failed', {
    cause: Object.assign(new Error('Headers Timeout Error'), { name: 'HeadersTimeoutError', code: 'UND_ERR_HEADERS_TIMEOUT' }),
  });
  const e = toOllamaError(headersTimeout, { host: 'localhost', model: 'qwen3' });
  assert.ok(e instanceof UserError);
  assert.match(e.message, /^Ollama at http:\/\/localhost:11434 is reachable but sent no answer for 300 s \(a model still loading/);
  assert.doesNotMatch(e.message, /not reachable|ollama serve/);
  const bodyTimeout = new TypeError('terminated', { cause: Object.assign(new Error('Body Timeout Error'), { code: 'UND_ERR_BODY_TIMEOUT' }) });
  assert.match(toOllamaError(bodyTimeout, { host, streaming: true }).message, /reachable but stopped sending for 300 s/);
});

test('an HTML error page (a proxy) gives a one-line error and nothing on stdout (console.log of the client)', async () => {
  const logged: unknown[][] = [];
  const realLog = console.log;
  console.log = (...a: unknown[]) => void logged.push(a);
  fake.setFault({ mode: 'htmlError', once: true });
  try {
    await assert.rejects(streamCompletion({ host, model: 'fake-llm', prompt: 'p' }), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.message, `Ollama at ${host} failed (HTTP 502): 502 Bad Gateway 502 Bad Gateway nginx`);
      return true;
    });
  } finally {
    console.log = realLog;
    fake.setFault(undefined);
  }
  assert.deepEqual(logged, []);
});

test('a thinking model: think false is sent and the answer streams at once; think true keeps the thinking apart', async () => {
  const tokens: string[] = [];
  const r = await streamCompletion({ host, model: 'fake-think', prompt: 'a b c', think: false, onToken: (t) => tokens.push(t) });
  assert.equal(lastBody().think, false);
  assert.equal(r.text, 'seen 3 words');
  assert.equal(r.thinking, '');
  const thoughts: string[] = [];
  const t = await streamCompletion({ host, model: 'fake-think', messages: [{ role: 'user', content: 'a b c' }], think: true, onThinking: (x) => thoughts.push(x) });
  assert.equal(t.thinking, 'Let me look at the examples before answering.');
  assert.equal(thoughts.join(''), t.thinking);
  assert.equal(t.text, 'seen 3 words');
  // a model that cannot think accepts think false, and refuses think true as Ollama does
  await streamCompletion({ host, model: 'fake-llm', prompt: 'x', think: false });
  await assert.rejects(streamCompletion({ host, model: 'fake-llm', prompt: 'x', think: true }), /HTTP 400\): "fake-llm" does not support thinking/);
});

test('model options reach the server under their Ollama names; chat sends the system prompt first', async () => {
  const prompt = renderPrompt([{ id: 'e1', input: 'in', output: 'out' }], 'q', {
    format: 1,
    system: 'Be brief.',
    instruction: 'Do it.',
    example: '{input}->{output}',
    query: '{query}->',
    separator: '\n',
  });
  const g = gen({ temperature: 0.7, topP: 0.9, seed: 42, numCtx: 2048, numPredict: 5 });
  const r = await completePrompt({ host, model: 'fake-llm', prompt, generation: g });
  const body = lastBody();
  assert.equal(fake.log[fake.log.length - 1].path, '/api/generate');
  assert.deepEqual(body.options, { temperature: 0.7, top_p: 0.9, seed: 42, num_ctx: 2048, num_predict: 5 });
  assert.equal(body.think, false);
  assert.equal(body.prompt, 'Do it.\nin->out\nq->');
  assert.equal(body.system, 'Be brief.');
  assert.deepEqual(r.promptIds, ['e1']);
  assert.equal(r.templateVersion, prompt.templateVersion);

  await completePrompt({ host, model: 'fake-llm', prompt, generation: gen({ api: 'chat' }) });
  assert.equal(fake.log[fake.log.length - 1].path, '/api/chat');
  assert.deepEqual(lastBody().messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Do it.\nin->out\nq->' },
  ]);
  assert.deepEqual(lastBody().options, {}); // unset options are left to the Modelfile
});

test('a prompt longer than the context: warned before (estimate) and after (prompt_eval_count)', async () => {
  const long = renderPrompt(
    Array.from({ length: 60 }, (_, i) => ({ id: `e${i}`, input: 'word '.repeat(10), output: 'label' })),
    'q',
  );
  const g = gen({ numCtx: 256 });
  const before = promptBudget(long, g);
  assert.ok(before.estimatedTokens > 256);
  assert.match(before.warning ?? '', /may not fit the context size num_ctx = 256/);
  const r = await completePrompt({ host, model: 'fake-llm', prompt: long, generation: g });
  assert.equal(fake.log[fake.log.length - 1].truncated, true); // the server cut it
  assert.equal(r.promptEvalCount, 256);
  assert.match(r.contextWarning ?? '', /filled the context size num_ctx = 256 \(256 tokens evaluated\): Ollama cut its beginning/);
  // a prompt that fits: no warning either way
  const short = renderPrompt([{ id: 'a', input: 'x', output: 'y' }], 'q');
  assert.equal(promptBudget(short, gen()).warning, undefined);
  assert.equal((await completePrompt({ host, model: 'fake-llm', prompt: short, generation: gen() })).contextWarning, undefined);
});
