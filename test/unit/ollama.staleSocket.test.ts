import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamCompletion } from '../../src/core/ollama/client';
import { firstTokenLogprobs } from '../../src/core/ollama/logprobs';

/** A server that closes the connection of the first `drops` requests without answering (as a dropped keep-alive socket looks), then answers. */
async function dropping(drops: number) {
  let seen = 0;
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (seen++ < drops) return void req.socket.destroy();
    const done = { model: 'm', created_at: new Date().toISOString(), response: '', done: true, done_reason: 'stop', prompt_eval_count: 3, eval_count: 1 };
    const logprobs = [{ token: 'yes', logprob: -0.1, top_logprobs: [{ token: 'yes', logprob: -0.1 }] }];
    if (JSON.parse(body).stream === false) return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ...done, response: 'yes', logprobs }));
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    res.write(JSON.stringify({ model: 'm', created_at: done.created_at, response: 'yes', done: false }) + '\n');
    res.end(JSON.stringify(done) + '\n');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => seen, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

test('a request whose connection closes before any answer is sent once more; a second close is an error', async () => {
  const once = await dropping(1);
  try {
    const r = await streamCompletion({ host: once.host, model: 'm', prompt: 'hi' });
    assert.equal(r.text, 'yes');
    assert.equal(once.requests(), 2);
  } finally {
    await once.close();
  }
  const logprobs = await dropping(1);
  try {
    assert.deepEqual(await firstTokenLogprobs({ host: logprobs.host, model: 'm', prompt: 'hi', topLogprobs: 1 }), [{ token: 'yes', logprob: -0.1 }]);
    assert.equal(logprobs.requests(), 2);
  } finally {
    await logprobs.close();
  }
  const twice = await dropping(2);
  try {
    await assert.rejects(streamCompletion({ host: twice.host, model: 'm', prompt: 'hi' }), /closed the connection/);
    assert.equal(twice.requests(), 2, 'retried once only');
  } finally {
    await twice.close();
  }
});
