// The completion-side client against the stand-in server, over real HTTP with the real `ollama` package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CancelledError, UserError } from '../../src/core/errors';
import { isReachable, listModels, pullModel, streamCompletion, unloadModel, type PullProgress } from '../../src/core/ollama/client';
import { createOllamaStandIn, digestOf } from '../fixtures/ollama-stand-in';

const fake = createOllamaStandIn({ reply: (p) => `You said ${p} . Done` });
let host = '';
test.before(async () => {
  host = await fake.listen(0);
});
test.after(() => fake.close());

/** A port where nothing listens: bind one, then close it. */
async function deadHost(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return `http://127.0.0.1:${port}`;
}

const isUserError = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof UserError, `expected UserError, got ${String(e)}`);
  assert.match(e.message, re);
  return true;
};

test('listModels returns names and digests', async () => {
  const models = await listModels(host);
  assert.deepEqual(
    models.map((m) => m.name),
    ['fake-llm:latest', 'fake-embed:latest', 'fake-think:latest'],
  );
  assert.equal(models[0].digest, digestOf('fake-llm:latest'));
  assert.equal(models[0].family, 'fake');
});

test('isReachable: true for the stand-in, false for a dead port', async () => {
  assert.equal(await isReachable(host), true);
  assert.equal(await isReachable(await deadHost(), 500), false);
});

test('unreachable host → UserError naming the URL and how to start Ollama', async () => {
  const dead = await deadHost();
  await assert.rejects(listModels(dead), isUserError(new RegExp(`not reachable at ${dead}.*ollama serve.*--host`)));
  await assert.rejects(streamCompletion({ host: dead, model: 'x', prompt: 'p' }), isUserError(/not reachable/));
});

test('streamCompletion (generate) streams tokens and returns the final statistics', async () => {
  const tokens: string[] = [];
  const r = await streamCompletion({ host, model: 'fake-llm', prompt: 'hi there', onToken: (t) => tokens.push(t) });
  assert.equal(r.text, 'You said hi there . Done');
  assert.deepEqual(tokens, ['You', ' said', ' hi', ' there', ' .', ' Done']);
  assert.equal(r.doneReason, 'stop');
  assert.equal(r.evalCount, 6);
  assert.equal(r.promptEvalCount, 2);
  const last = fake.log.at(-1)!;
  assert.equal(last.path, '/api/generate');
  assert.equal(last.body.stream, true);
});

test('streamCompletion (chat) sends the system message first; num_predict gives doneReason length', async () => {
  const r = await streamCompletion({ host, model: 'fake-llm', system: 'be brief', messages: [{ role: 'user', content: 'abc' }], options: { num_predict: 2 } });
  assert.equal(r.text, 'You said');
  assert.equal(r.doneReason, 'length');
  const last = fake.log.at(-1)!;
  assert.equal(last.path, '/api/chat');
  assert.deepEqual(
    (last.body.messages as { role: string }[]).map((m) => m.role),
    ['system', 'user'],
  );
});

test('needs exactly one of prompt or messages', async () => {
  await assert.rejects(streamCompletion({ host, model: 'fake-llm' }), isUserError(/exactly one/));
});

test('missing model → UserError suggesting ollama pull', async () => {
  await assert.rejects(streamCompletion({ host, model: 'nope', prompt: 'x' }), isUserError(/"nope".*ollama pull nope/));
});

test('HTTP 500 → UserError with the status', async () => {
  fake.setFault({ mode: 'http500', once: true });
  await assert.rejects(streamCompletion({ host, model: 'fake-llm', prompt: 'x' }), isUserError(/HTTP 500.*llama runner/));
});

test('an error line mid-stream → UserError, not a partial success', async () => {
  fake.setFault({ mode: 'errorMidStream', afterTokens: 2, once: true });
  const tokens: string[] = [];
  await assert.rejects(streamCompletion({ host, model: 'fake-llm', prompt: 'one two three', onToken: (t) => tokens.push(t) }), isUserError(/error mid-stream: .*CUDA error/));
  assert.equal(tokens.length, 2);
});

test('a connection cut before done → UserError, not a hang', async () => {
  fake.setFault({ mode: 'cutBeforeDone', afterTokens: 3, once: true });
  const tokens: string[] = [];
  await assert.rejects(
    streamCompletion({ host, model: 'fake-llm', prompt: 'one two three', onToken: (t) => tokens.push(t) }),
    isUserError(/closed the connection before the response was complete/),
  );
  assert.equal(tokens.length, 3, 'the cut should come after some tokens');
});

test('a body that ends cleanly without done → UserError', async () => {
  fake.setFault({ mode: 'endBeforeDone', afterTokens: 1, once: true });
  await assert.rejects(streamCompletion({ host, model: 'fake-llm', prompt: 'one two three' }), isUserError(/ended the response stream before it was complete/));
});

test('abort mid-stream → CancelledError, and the server sees the connection closed and stops generating', async () => {
  const slow = createOllamaStandIn({ reply: () => 'w '.repeat(500), delayMs: 5 });
  const h = await slow.listen(0);
  try {
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(
      streamCompletion({
        host: h,
        model: 'fake-llm',
        prompt: 'go',
        signal: ac.signal,
        onToken: () => {
          if (++n === 3) ac.abort();
        },
      }),
      (e) => e instanceof CancelledError,
    );
    const entry = slow.log.at(-1)!;
    await entry.ended;
    assert.equal(entry.clientClosed, true);
    assert.ok(entry.tokensSent < 500, `server kept generating: ${entry.tokensSent} tokens`);
  } finally {
    await slow.close();
  }
});

test('abort while waiting for the first byte → CancelledError at once, connection closed', async () => {
  fake.setFault({ mode: 'slowFirstByte', delayMs: 3000, once: true });
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 100);
  await assert.rejects(streamCompletion({ host, model: 'fake-llm', prompt: 'x', signal: ac.signal }), (e) => e instanceof CancelledError);
  assert.ok(performance.now() - t0 < 1500, 'abort did not interrupt the wait');
  const entry = fake.log.at(-1)!;
  await entry.ended;
  assert.equal(entry.clientClosed, true);
});

test('an already aborted signal sends nothing', async () => {
  const before = fake.log.length;
  await assert.rejects(streamCompletion({ host, model: 'fake-llm', prompt: 'x', signal: AbortSignal.abort() }), (e) => e instanceof CancelledError);
  assert.equal(fake.log.length, before);
});

test('onToken throwing aborts the request and propagates', async () => {
  const slow = createOllamaStandIn({ reply: () => 'w '.repeat(200), delayMs: 5 });
  const h = await slow.listen(0);
  try {
    await assert.rejects(
      streamCompletion({
        host: h,
        model: 'fake-llm',
        prompt: 'go',
        onToken: () => {
          throw new Error('boom');
        },
      }),
      /boom/,
    );
    const entry = slow.log.at(-1)!;
    await entry.ended;
    assert.equal(entry.clientClosed, true);
  } finally {
    await slow.close();
  }
});

test('unloadModel sends keep_alive 0', async () => {
  await unloadModel(host, 'fake-llm');
  const last = fake.log.at(-1)!;
  assert.equal(last.path, '/api/generate');
  assert.equal(last.body.keep_alive, 0);
  await assert.rejects(unloadModel(host, 'nope'), isUserError(/ollama pull nope/));
});

test('pullModel reports progress, then the model is listed; an unknown name fails clearly', async () => {
  const progress: PullProgress[] = [];
  await pullModel(host, 'fake-new', { onProgress: (p) => progress.push(p) });
  assert.equal(progress.at(-1)!.status, 'success');
  assert.deepEqual(
    progress.filter((p) => p.total).map((p) => p.completed),
    [100, 200, 300],
  );
  assert.ok((await listModels(host)).some((m) => m.name === 'fake-new:latest'));
  await assert.rejects(pullModel(host, 'no-such-model'), isUserError(/could not pull "no-such-model": pull model manifest/));
});
