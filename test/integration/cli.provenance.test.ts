import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { erase, tempDir, eraseAsync } from './cliHarness';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';

/** Provenance records as stored (the file an auditor would read). */
function records(dir: string): { id: string; source: string; model: string; template: string; ids: string[]; answer?: string; answerHmac?: string; flagged?: unknown[] }[] {
  return readFileSync(join(dir, '.erase', 'provenance.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

function setProvenance(dir: string, provenance: { answers: string; onErase: string }): void {
  const file = join(dir, '.erase', 'config.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), provenance }, null, 2));
}

function workspace(n = 60, k = '3'): string {
  const dir = tempDir('provenance');
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ input: `review ${i}: ${i % 2 ? 'loved every minute' : 'a dull slog'} ${i * 7}`, output: i % 2 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'd.jsonl'), lines.join('\n') + '\n');
  assert.equal(erase(dir, 'init', '--data', 'd.jsonl', '--k', k).code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  return dir;
}

async function withStandIn<T>(reply: (prompt: string) => string, fn: (host: string) => Promise<T>): Promise<T> {
  const server = createOllamaStandIn({ models: ['fake-llm:latest'], reply });
  const host = await server.listen();
  try {
    return await fn(host);
  } finally {
    await server.close();
  }
}

test('erase complete records its completion (model, template version, prompt ids, keyed answer hash); erase provenance --id lists it', async () => {
  const dir = workspace();
  await withStandIn(
    () => 'an answer from the stand-in',
    async (host) => {
      const r = await eraseAsync(dir, 'complete', '--query', 'what a ride', '--host', host, '--model', 'fake-llm', '--json');
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      const recs = records(dir);
      assert.equal(recs.length, 1);
      assert.equal(recs[0].source, 'complete');
      assert.equal(recs[0].model, 'fake-llm');
      assert.deepEqual(recs[0].ids, out.promptIds);
      assert.match(recs[0].template, /^sha256:[0-9a-f]{16}$/);
      assert.match(recs[0].answerHmac ?? '', /^[0-9a-f]{64}$/);
      assert.equal(recs[0].answer, undefined, 'hash by default');
      assert.ok(!readFileSync(join(dir, '.erase', 'provenance.jsonl'), 'utf8').includes('an answer from the stand-in'));

      const listed = erase(dir, 'provenance', '--id', out.promptIds[1], '--json');
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        listed.json().completions.map((c: { id: string }) => c.id),
        [recs[0].id],
      );
      const text = erase(dir, 'provenance', '--id', out.promptIds[1]);
      assert.match(text.stdout, /^1 recorded completion\(s\) used example /);
      assert.match(text.stdout, new RegExp(`${recs[0].id} .* complete +fake-llm`));
      const none = erase(dir, 'provenance', '--id', 'no-such-example', '--json');
      assert.deepEqual(none.json().completions, []);
      assert.equal(erase(dir, 'provenance').code, 2, 'say what to show');
      assert.equal(erase(dir, 'provenance', '--id', 'x', '--flagged').code, 2);
    },
  );
});

test('erase eval records every completion it asks for, with the ids of each prompt', async () => {
  const dir = workspace(80, '4');
  await withStandIn(
    (p) => [...p.matchAll(/\nOutput: (\S+)/g)].map((m) => m[1])[0] ?? '2',
    async (host) => {
      const r = await eraseAsync(dir, 'eval', '--split', '0.25', '--limit', '3', '--seeds', '1', '--model', 'fake-llm', '--host', host, '--results', 'r.jsonl', '--json');
      assert.equal(r.code, 0, r.stderr);
      const trials = readFileSync(join(dir, 'r.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { ids: string[] });
      const recs = records(dir);
      assert.equal(recs.length, 3 * 5, 'three queries × (erase, random, balanced, knn, zero-shot)');
      assert.ok(recs.every((x) => x.source === 'eval' && x.model === 'fake-llm'));
      assert.deepEqual(
        recs.map((x) => x.ids),
        trials.map((t) => t.ids),
        'each record names the ids of its trial',
      );
      assert.ok(
        recs.some((x) => x.ids.length === 0),
        'zero-shot completions are recorded too',
      );
    },
  );
});

test('erase delete erases exactly the recorded completions that used the example; the receipt says how many and what changed in the prompt', async () => {
  const dir = workspace();
  setProvenance(dir, { answers: 'text', onErase: 'erase' });
  await withStandIn(
    (p) => `answer to ${p.split('\n').at(-2)}`,
    async (host) => {
      for (const q of ['first query', 'second query']) assert.equal((await eraseAsync(dir, 'complete', '--query', q, '--host', host, '--model', 'fake-llm')).code, 0);
      assert.equal((await eraseAsync(dir, 'eval', '--split', '0.25', '--limit', '2', '--seeds', '1', '--model', 'fake-llm', '--host', host)).code, 0);
    },
  );
  const before = records(dir);
  const reps = erase(dir, 'prompt', '--json').json().ids as string[];
  const x = reps[0];
  const using = before.filter((r) => r.ids.includes(x));
  assert.ok(using.length >= 2, 'both completions used the representative');
  const r = erase(dir, 'delete', '--id', x, '--keep-model', '--skip-scan', '--json');
  assert.equal(r.code, 0, r.stderr);
  const receipt = r.json();
  assert.deepEqual(receipt.provenance, { mode: 'erase', completions: using.length });
  const change = receipt.promptChanges.find((c: { left: string }) => c.left === x);
  assert.ok(change, JSON.stringify(receipt.promptChanges));
  assert.ok((erase(dir, 'prompt', '--json').json().ids as string[]).includes(change.replacedBy));
  const after = records(dir);
  assert.deepEqual(
    after.map((a) => a.id),
    before.filter((b) => !b.ids.includes(x)).map((b) => b.id),
    'exactly the records that used it are gone; every other record is kept',
  );
  assert.ok(!readFileSync(join(dir, '.erase', 'provenance.jsonl'), 'utf8').includes(x));
  assert.deepEqual(erase(dir, 'provenance', '--id', x, '--json').json().completions, []);
  const audit = JSON.parse(erase(dir, 'audit', 'export', '--format', 'json').stdout);
  assert.match(JSON.stringify(audit), new RegExp(`provenance: ${using.length} recorded completion`));

  // The text receipt says the same.
  await withStandIn(
    () => 'another answer',
    async (host) => assert.equal((await eraseAsync(dir, 'complete', '--query', 'third query', '--host', host, '--model', 'fake-llm')).code, 0),
  );
  const y = (erase(dir, 'prompt', '--json').json().ids as string[])[1];
  const text = erase(dir, 'delete', '--id', y, '--keep-model', '--skip-scan');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`cluster \\d+: ${y} left the prompt, replaced by \\S+`));
  assert.match(text.stdout, /^1 recorded completion\(s\) whose prompt held an erased example erased$/m);
});

test('with provenance.onErase "flag" the completions that used the example are flagged for review instead', async () => {
  const dir = workspace();
  setProvenance(dir, { answers: 'hash', onErase: 'flag' });
  await withStandIn(
    () => 'positive',
    async (host) => {
      assert.equal((await eraseAsync(dir, 'complete', '--query', 'one', '--host', host, '--model', 'fake-llm')).code, 0);
    },
  );
  const x = (erase(dir, 'prompt', '--json').json().ids as string[])[0];
  const r = erase(dir, 'delete', '--id', x, '--keep-model', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json().provenance, { mode: 'flag', completions: 1 });
  assert.equal(r.json().residuals.provenance.length, 1, 'the residual scan matches the hashed answer by the erased id');
  const recs = records(dir);
  assert.equal(recs.length, 1);
  assert.equal(recs[0].flagged?.length, 1);
  assert.ok(!recs[0].ids.includes(x));
  const flagged = erase(dir, 'provenance', '--flagged', '--json').json().completions;
  assert.equal(flagged.length, 1);
  assert.equal(erase(dir, 'provenance', '--erase', flagged[0].id).code, 0);
  assert.deepEqual(erase(dir, 'provenance', '--flagged', '--json').json().completions, []);
  assert.equal(records(dir).length, 0);
});
