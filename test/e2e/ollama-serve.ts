// Starts the project's Ollama stand-in (test/fixtures/ollama-stand-in.ts) on a free 127.0.0.1 port
// for the code-server tests and prints the URL. Run with `node --import tsx`.
// Tests switch fault modes over HTTP: POST /__test/fault {"mode":"http500",...} or {} to clear.
import { createOllamaStandIn, type Fault } from '../fixtures/ollama-stand-in';

// The "LLM" answers deterministically and says how long the prompt was, so a test can tell the
// answer with examples from the answer without them.
const reply = (prompt: string) => `stand-in answer after ${prompt.split('\n').length} prompt lines: positive`;
const fake = createOllamaStandIn({ reply, delayMs: 20 });
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
  for (const l of inner) l(req, res);
});
void fake.listen(Number(process.env.PORT ?? 0)).then((url) => console.log(url));
