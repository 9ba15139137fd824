import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { erase, eraseAsync, tempDir } from './cliHarness';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';

type Rec = { id: string; input: string; output: string };

test('erase delete --leakage-check --heldout: the percentile known in advance, near-duplicates offered, "unavailable" without logprobs, audit verifies', async () => {
  const dir = tempDir('leak');
  const records: Rec[] = Array.from({ length: 30 }, (_, i) => ({
    id: `e${i}`,
    input: `note ${i} kk${i}x mm${i}y ${i % 2 ? 'bright' : 'gloomy'} story`,
    output: i % 2 ? 'positive' : 'negative',
  }));
  records.push({ id: 'e5-copy', input: records[5].input.replace(/^n/, 'N'), output: records[5].output });
  writeFileSync(join(dir, 'd.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  // Held-out examples never in the data set; the scripted model gives each one's label probability (i+1)/10.
  const held = Array.from({ length: 10 }, (_, i) => ({ id: `h${i}`, input: `unseen ${i} qq${i}z tale`, output: i % 2 ? 'positive' : 'negative', p: (i + 1) / 10 }));
  writeFileSync(join(dir, 'held.jsonl'), held.map(({ p: _p, ...r }) => JSON.stringify(r)).join('\n') + '\n');
  const probability = new Map<string, number>([...held.map((h) => [h.input, h.p] as const), [records[5].input, 0.9], [records[9].input, 0.05]]);
  const labelOf = new Map([...records, ...held].map((r) => [r.input, r.output]));
  const server = createOllamaStandIn({
    models: ['fake-llm:latest'],
    reply: () => 'positive',
    topLogprobs: (prompt) => {
      const input = prompt.slice(prompt.lastIndexOf('Input: ') + 7).replace(/\nOutput:\s*$/, '');
      const label = labelOf.get(input)!;
      const p = probability.get(input) ?? 0.5;
      return [
        { token: ` ${label}`, logprob: Math.log(p) },
        { token: label === 'positive' ? ' negative' : ' positive', logprob: Math.log((1 - p) / 2) },
      ];
    },
  });
  const host = await server.listen();
  try {
    assert.equal(erase(dir, 'init', '--data', 'd.jsonl', '--k', '3').code, 0);
    assert.equal(erase(dir, 'cluster').code, 0);
    const check = ['--leakage-check', '--heldout', 'held.jsonl', '--model', 'fake-llm', '--host', host];

    // 0.9 among 0.1 … 1.0: 8 below and one tie → percentile 85.
    const r = await eraseAsync(dir, 'delete', '--id', 'e5', ...check, '--skip-scan', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.erasedIds, ['e5']);
    assert.equal(out.checks.leakage.status, 'measured');
    assert.equal(out.checks.leakage.heldout, 10);
    assert.equal(out.checks.leakage.erased[0].percentile, 85);
    assert.deepEqual(
      out.checks.nearDuplicates.left.map((n: { id: string }) => n.id),
      ['e5-copy'],
    );
    assert.equal(out.checks.modelUnloaded, true);

    // Text: the percentile, the near-duplicates with the command to erase them, the audit entry.
    const t = await eraseAsync(dir, 'delete', '--id', 'e9', ...check, '--threshold', '0.2');
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /e9: probability 0\.050, percentile 0\.0 among the held-out examples/);
    assert.match(t.stdout, /figures recorded in audit entry #\d+ \(no text, no id\)/);
    const nd = await eraseAsync(dir, 'delete', '--id', 'e1', '--near-duplicates', '--threshold', '10', '--skip-scan');
    assert.equal(nd.code, 0, nd.stderr);
    assert.match(nd.stdout, /near-duplicates left within 10 of the erased example\(s\)/);
    assert.match(nd.stdout, /erase them too: erase delete --id \S+( --id \S+)+/);
    assert.doesNotMatch(nd.stdout, /leakage check/);

    // A server without log-probabilities: "unavailable", never a score.
    server.setLogprobs(false);
    const u = await eraseAsync(dir, 'delete', '--id', 'e3', ...check, '--skip-scan');
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stdout, /leakage check: unavailable — the server returned no log-probabilities/);
    assert.doesNotMatch(u.stdout, /percentile/);

    const verify = erase(dir, 'audit', 'verify');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const md = erase(dir, 'audit', 'export', '--format', 'md');
    assert.equal(md.code, 0, md.stderr);
    assert.equal((md.stdout.match(/\| note \|/g) ?? []).length, 4, 'one note per checked erasure');
    assert.match(md.stdout, /unavailable, the server returned no log\\-probabilities/, 'markdown-escaped');

    // No erased text in the workspace after the checks (the held-out file is the user's own).
    const files = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && d.name !== 'held.jsonl')
      .map((d) => join(d.parentPath, d.name));
    for (const id of ['e5', 'e9', 'e1', 'e3']) {
      const text = records.find((x) => x.id === id)!.input;
      for (const f of files) assert.ok(!readFileSync(f).includes(text), `erased text of ${id} in ${f.slice(dir.length)}`);
    }

    // A check that fails (here: no such model) still shows the receipt of the erasure it follows.
    const failed = await eraseAsync(dir, 'delete', '--id', 'e11', '--leakage-check', '--heldout', 'held.jsonl', '--model', 'nope', '--host', host, '--skip-scan');
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^erased 1 example/m);
    assert.match(failed.stdout, /follow-up checks not done \(Ollama model "nope" is not available.*\); the erasure itself is done and audited/);
    assert.ok(!readFileSync(join(dir, 'd.jsonl'), 'utf8').includes(records[11].input), 'erased all the same');

    const usage = await eraseAsync(dir, 'delete', '--id', 'e7', '--leakage-check');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--leakage-check needs --heldout/);
    const batch = await eraseAsync(dir, 'delete', '--requests', 'r.jsonl', '--near-duplicates');
    assert.equal(batch.code, 2);
    assert.match(batch.stderr, /not --requests/);
    assert.match(readFileSync(join(dir, 'd.jsonl'), 'utf8'), /"id":"e7"/, 'nothing erased by the refused commands');
  } finally {
    await server.close();
  }
});
