// Starts the project's Ollama stand-in (test/fixtures/ollama-stand-in.ts) on a free 127.0.0.1 port
// for the code-server tests and prints the URL. Run with `node --import tsx`.
// Tests switch fault modes over HTTP: POST /__test/fault {"mode":"http500",...} or {} to clear;
// POST /__test/delay {"ms":300} sets the delay between streamed tokens; POST /__test/logprobs
// {"enabled":false} makes it answer without log-probabilities (as a server without them does); GET /__test/log returns the
// request log (path, tokens sent, whether the client closed the connection, whether it ended, and
// the prompt, system prompt, options and think the server received).
import { createOllamaStandIn, type Fault } from '../fixtures/ollama-stand-in';

// The "LLM" answers deterministically and says how long the prompt was, so a test can tell the
// answer with examples from the answer without them.
const reply = (prompt: string) => `stand-in answer after ${prompt.split('\n').length} prompt lines: positive`;
const fake = createOllamaStandIn({ reply, delayMs: 20 });
const ended = new WeakSet<object>();
const tracked = new WeakSet<object>();
const trackAll = () => {
  for (const e of fake.log)
    if (!tracked.has(e)) {
      tracked.add(e);
      void e.ended.then(() => ended.add(e));
    }
};
const inner = fake.server.listeners('request') as ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void)[];
fake.server.removeAllListeners('request');
fake.server.on('request', async (req, res) => {
  if (req.url === '/__test/fault' && req.method === 'POST') {
    let body = '';
    for await (const c of req) body += c;
    const f = JSON.parse(body || '{}') as Partial<Fault>;
    fake.setFault(f.mode ? (f as Fault) : undefined);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    return;
  }
  if (req.url === '/__test/delay' && req.method === 'POST') {
    let body = '';
    for await (const c of req) body += c;
    fake.setDelay(Number((JSON.parse(body || '{}') as { ms?: number }).ms ?? 20));
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    return;
  }
  if (req.url === '/__test/logprobs' && req.method === 'POST') {
    let body = '';
    for await (const c of req) body += c;
    fake.setLogprobs((JSON.parse(body || '{}') as { enabled?: boolean }).enabled !== false);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    return;
  }
  if (req.url === '/__test/log' && req.method === 'GET') {
    trackAll();
    await new Promise((r) => setTimeout(r, 0));
    // what the server received, so UI tests check template edits and options on the server's side
    const promptOf = (b: Record<string, unknown>) => (Array.isArray(b.messages) ? (b.messages as { content: string }[]).map((m) => m.content).join('\n') : b.prompt);
    const rows = fake.log.map((e, i) => ({
      i,
      method: e.method,
      path: e.path,
      tokensSent: e.tokensSent,
      clientClosed: e.clientClosed,
      ended: ended.has(e),
      prompt: promptOf(e.body),
      system: e.body.system,
      options: e.body.options,
      think: e.body.think,
    }));
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(rows));
    return;
  }
  for (const l of inner) l(req, res);
  // the stand-in logs the request once it has read the body; mark entries when their response is over
  setTimeout(trackAll, 5);
  res.on('close', trackAll);
});
void fake.listen(Number(process.env.PORT ?? 0)).then((url) => console.log(url));
