// The Ollama embedder against the stand-in server, over real HTTP with the real `ollama` package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CancelledError, UserError } from '../../src/core/errors';
import { OllamaEmbedder } from '../../src/core/embed/ollamaEmbedder';
import { createOllamaStandIn, digestOf, fakeEmbed } from '../fixtures/ollama-stand-in';

const fake = createOllamaStandIn({ dim: 48, embedScale: 3 });
let host = '';
test.before(async () => {
  host = await fake.listen(0);
});
test.after(() => fake.close());

const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test('id pins the model by digest and the dimension found by a probe', async () => {
  const e = await OllamaEmbedder.create({ host, model: 'fake-embed' });
  assert.equal(e.dimension, 48);
  assert.equal(e.id, `ollama:fake-embed:latest@${digestOf('fake-embed:latest').slice(0, 12)}-d48`);
});

test('embeds in batches, in order, L2-normalised (the server sends unnormalised vectors)', async () => {
  const e = await OllamaEmbedder.create({ host, model: 'fake-embed:latest', batchSize: 2 });
  const before = fake.log.length;
  const texts = ['good film', 'bad film', 'good film', 'something else entirely', 'x'];
  const out = await e.embed(texts);
  const calls = fake.log.slice(before).filter((r) => r.path === '/api/embed');
  assert.deepEqual(
    calls.map((c) => (c.body.input as string[]).length),
    [2, 2, 1],
  );
  assert.equal(out.length, 5);
  out.forEach((v, i) => {
    assert.ok(Math.abs(norm(v) - 1) < 1e-12);
    const want = fakeEmbed(texts[i], 48, 1);
    v.forEach((x, k) => assert.ok(Math.abs(x - want[k]) < 1e-12));
  });
  assert.deepEqual(out[0], out[2]);
});

test('unreachable host → UserError naming the URL', async () => {
  const s = http.createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const dead = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  await new Promise<void>((ok) => s.close(() => ok()));
  await assert.rejects(
    OllamaEmbedder.create({ host: dead, model: 'fake-embed' }),
    (e) => e instanceof UserError && e.message.includes(`not reachable at ${dead}`) && /ollama serve/.test(e.message),
  );
});

test('missing model → UserError suggesting ollama pull', async () => {
  await assert.rejects(OllamaEmbedder.create({ host, model: 'nomic-embed-text' }), (e) => e instanceof UserError && /ollama pull nomic-embed-text/.test(e.message));
});

test('HTTP 500 during embedding → UserError', async () => {
  const e = await OllamaEmbedder.create({ host, model: 'fake-embed' });
  fake.setFault({ mode: 'http500', path: '/api/embed', once: true, message: 'out of memory' });
  await assert.rejects(e.embed(['a']), (err) => err instanceof UserError && /\(HTTP 500\): out of memory/.test(err.message));
});

test('abort while a request waits → CancelledError and the connection is closed', async () => {
  const e = await OllamaEmbedder.create({ host, model: 'fake-embed' });
  fake.setFault({ mode: 'slowFirstByte', path: '/api/embed', delayMs: 3000, once: true });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const t0 = performance.now();
  await assert.rejects(e.embed(['a', 'b'], ac.signal), (err) => err instanceof CancelledError);
  assert.ok(performance.now() - t0 < 1500);
  const entry = fake.log.at(-1)!;
  await entry.ended;
  assert.equal(entry.clientClosed, true);
});
