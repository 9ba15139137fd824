import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { erase, eraseAsync, tempDir } from './cliHarness';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';

const HOSTILE = '<img src=x onerror=alert(1)>';

test('erase eval --report writes a self-contained HTML page: the JSON figures, escaped labels, no script, no example text', async () => {
  const dir = tempDir('evalreport');
  const inputs = Array.from({ length: 40 }, (_, i) => `review ${i}: the ${['plot', 'cast', 'score', 'ending'][i % 4]} was ${i % 2 ? 'great' : 'awful'} indeed`);
  const lines = inputs.map((input, i) => JSON.stringify({ id: `r${i}`, input, output: i % 2 ? 'good' : HOSTILE }));
  writeFileSync(join(dir, 'd.jsonl'), lines.join('\n') + '\n');
  assert.equal(erase(dir, 'init', '--data', 'd.jsonl', '--k', '3').code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  const server = createOllamaStandIn({ models: ['fake-llm:latest'], reply: (p) => [...p.matchAll(/\nOutput: ([^\n]+)/g)].map((m) => m[1])[0] ?? 'none' });
  const host = await server.listen();
  try {
    const bad = await eraseAsync(dir, 'eval', '--split', '0.25', '--model', 'fake-llm', '--host', host, '--report', 'out.txt');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--report names an HTML file/);

    const r = await eraseAsync(dir, 'eval', '--split', '0.25', '--limit', '6', '--seeds', '1', '--model', 'fake-llm', '--host', host, '--report', 'eval.html', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.reportFile, 'eval.html');
    const page = readFileSync(join(dir, 'eval.html'), 'utf8');
    for (const [name, m] of Object.entries<{ accuracy: number; ci95: [number, number] }>(out.modes)) {
      assert.ok(page.includes(`data-selector="${name}"`), name);
      assert.ok(page.includes(`${(100 * m.accuracy).toFixed(1)}%`), `${name} accuracy`);
      assert.ok(page.includes(`${(100 * m.ci95[0]).toFixed(1)}%–${(100 * m.ci95[1]).toFixed(1)}%`), `${name} interval`);
    }
    assert.doesNotMatch(page, /<script|<img/i);
    assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the hostile label is shown as text');
    for (const input of inputs) assert.ok(!page.includes(input), 'no example or query text in the report');
  } finally {
    await server.close();
  }
});
