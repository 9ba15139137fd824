import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, DATASETS, erase, tempDir, eraseAsync } from './cliHarness';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';

test("erase eval --split on 300 rows of SST-2 dev prints the issue's JSON, scored against the stand-in", async () => {
  const dir = tempDir('eval');
  const tsv =
    readFileSync(join(DATASETS, 'sst2', 'dev.tsv'), 'utf8')
      .split('\n')
      .slice(0, 301)
      .join('\n') + '\n';
  writeFileSync(join(dir, 'dev.tsv'), tsv);
  assert.equal(erase(dir, 'import', 'dev.tsv', '--text-col', 'sentence', '--label-col', 'label', '--header', '--out', 'd.jsonl').code, 0);
  assert.equal(erase(dir, 'init', '--data', 'd.jsonl', '--k', '4').code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  // The scripted model answers the label of the first example, and "2" (no label) without examples.
  const server = createOllamaStandIn({ models: ['fake-llm:latest'], reply: (p) => [...p.matchAll(/\nOutput: (\S+)/g)].map((m) => m[1])[0] ?? '2' });
  const host = await server.listen();
  try {
    const r = await eraseAsync(dir, 'eval', '--split', '0.25', '--limit', '20', '--seeds', '2', '--model', 'fake-llm', '--host', host, '--results', 'r.jsonl', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.model, 'fake-llm');
    assert.equal(out.n, 20);
    assert.deepEqual(Object.keys(out.modes).sort(), ['balanced', 'erase', 'knn', 'random', 'zeroShot']);
    for (const [name, m] of Object.entries<Record<string, unknown>>(out.modes)) {
      for (const f of ['accuracy', 'n', 'promptTokens', 'msPerQuery']) assert.equal(typeof m[f], 'number', `${name}.${f}`);
      const [lo, hi] = m.ci95 as number[];
      assert.ok(lo <= (m.accuracy as number) && (m.accuracy as number) <= hi, name);
    }
    assert.equal(out.modes.zeroShot.accuracy, 0, 'the scripted zero-shot answer is no label');
    assert.equal(out.modes.random.n, 40, 'two seeds');
    assert.ok(out.modes.erase.promptTokens > out.modes.zeroShot.promptTokens);
    assert.equal(readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n').length, 20 * 7);

    const again = await eraseAsync(dir, 'eval', '--split', '0.25', '--limit', '20', '--seeds', '2', '--model', 'fake-llm', '--host', host, '--results', 'r.jsonl');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^erase\s+\d+\.\d%/m, 'a readable table');
    assert.equal(server.log.filter((e) => e.path === '/api/generate').length, 20 * 7, 'the re-run resumed from the results file');

    // Ctrl-C: exit 1 "cancelled", the finished trials stay in the results file, a re-run resumes.
    server.setDelay(20);
    const child = spawn(process.execPath, [CLI, 'eval', '--split', '0.25', '--limit', '20', '--seeds', '2', '--model', 'fake-llm', '--host', host, '--results', 'c.jsonl'], {
      cwd: dir,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const lines = () => (existsSync(join(dir, 'c.jsonl')) ? readFileSync(join(dir, 'c.jsonl'), 'utf8').trim().split('\n').length : 0);
    while (lines() < 5) await new Promise((ok) => setTimeout(ok, 20));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((ok) => child.on('close', ok));
    assert.equal(code, 1, stderr);
    assert.match(stderr, /cancelled/);
    const kept = lines();
    assert.ok(kept >= 5 && kept < 140, `${kept} trials kept`);
    server.setDelay(0);
    const sentBefore = server.log.filter((e) => e.path === '/api/generate').length;
    const resumed = await eraseAsync(dir, 'eval', '--split', '0.25', '--limit', '20', '--seeds', '2', '--model', 'fake-llm', '--host', host, '--results', 'c.jsonl', '--json');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(
      Object.fromEntries(Object.entries<{ accuracy: number }>(JSON.parse(resumed.stdout).modes).map(([k, m]) => [k, m.accuracy])),
      Object.fromEntries(Object.entries<{ accuracy: number }>(out.modes).map(([k, m]) => [k, m.accuracy])),
    );
    assert.ok(server.log.filter((e) => e.path === '/api/generate').length - sentBefore <= 140 - kept, 'the finished trials were not asked again');

    // Accuracy across erasures: a step per count, in a scratch copy; the user's audit log does not grow.
    const stateFiles = () =>
      readdirSync(join(dir, '.erase'), { recursive: true, withFileTypes: true })
        // provenance.jsonl is left out: eval records its completions there (ids and keyed hashes), by design
        .filter((d) => d.isFile() && d.name !== 'provenance.jsonl')
        .map((d) => [join(d.parentPath, d.name), readFileSync(join(d.parentPath, d.name), 'hex')]);
    const stateBefore = stateFiles();
    const steps = await eraseAsync(dir, 'eval', '--split', '0.25', '--limit', '5', '--seeds', '1', '--model', 'fake-llm', '--host', host, '--after-erasures', '10,3', '--json');
    assert.equal(steps.code, 0, steps.stderr);
    const stepped = JSON.parse(steps.stdout);
    assert.deepEqual(
      stepped.afterErasures.map((s: { erased: number }) => s.erased),
      [0, 3, 10],
    );
    for (const s of stepped.afterErasures) {
      assert.equal(typeof s.promptChanges, 'number');
      assert.ok(s.promptChanges <= s.erased);
      assert.deepEqual(Object.keys(s.modes).sort(), ['balanced', 'erase', 'knn', 'random', 'zeroShot']);
      assert.equal(s.modes.erase.n, 5);
    }
    assert.equal(stepped.afterErasures[2].poolSize, stepped.poolSize - 10);
    assert.deepEqual(stateFiles(), stateBefore, 'no erasure reached the user workspace (state, audit log, keys)');
    // The server drops a connection 100 ms after its last response while still announcing a 5 s
    // keep-alive: the erasure phase must yield so the CLI sees the close and does not send the
    // next request on that socket (as a real server's idle timeout would).
    const dropIdle = (req: IncomingMessage, res: ServerResponse) =>
      res.on('finish', () => {
        const t = setTimeout(() => req.socket.destroy(), 100);
        req.socket.once('data', () => clearTimeout(t));
      });
    server.server.on('request', dropIdle);
    const idle = await eraseAsync(dir, 'eval', '--split', '0.25', '--limit', '1', '--seeds', '1', '--model', 'fake-llm', '--host', host, '--after-erasures', '20', '--json');
    server.server.off('request', dropIdle);
    assert.equal(idle.code, 0, idle.stderr);

    // Ctrl-C in the middle of the erasure phase is seen at once (each erasure yields to the event
    // loop; 200 erasures take tens of seconds here).
    const erasing = spawn(
      process.execPath,
      [CLI, 'eval', '--split', '0.25', '--limit', '1', '--seeds', '1', '--model', 'fake-llm', '--host', host, '--after-erasures', '200', '--results', 's.jsonl'],
      {
        cwd: dir,
      },
    );
    let erasingErr = '';
    erasing.stderr.on('data', (d) => (erasingErr += d));
    const stepLines = () => (existsSync(join(dir, 's.jsonl')) ? readFileSync(join(dir, 's.jsonl'), 'utf8').trim().split('\n').length : 0);
    while (stepLines() < 5) await new Promise((ok) => setTimeout(ok, 20));
    await new Promise((ok) => setTimeout(ok, 300));
    const sigintAt = performance.now();
    erasing.kill('SIGINT');
    const erasingCode = await new Promise<number | null>((ok) => erasing.on('close', ok));
    assert.equal(erasingCode, 1, erasingErr);
    assert.match(erasingErr, /cancelled/);
    assert.ok(performance.now() - sigintAt < 5000, `Ctrl-C took ${(performance.now() - sigintAt).toFixed(0)} ms to be seen`);
    assert.equal(stepLines(), 5, 'no trial after the erasures began');
    const stepTable = await eraseAsync(dir, 'eval', '--split', '0.25', '--limit', '2', '--seeds', '1', '--model', 'fake-llm', '--host', host, '--after-erasures', '2');
    assert.equal(stepTable.code, 0, stepTable.stderr);
    assert.match(stepTable.stdout, /accuracy after erasures/);
    assert.match(stepTable.stdout, /^\s+2\s+\d of 2\s+/m);
    const badSteps = await eraseAsync(dir, 'eval', '--split', '0.25', '--model', 'fake-llm', '--host', host, '--after-erasures', '5,x');
    assert.equal(badSteps.code, 2);
    assert.match(badSteps.stderr, /--after-erasures takes counts/);

    const bad = await eraseAsync(dir, 'eval', '--model', 'fake-llm', '--host', host);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--heldout.*--split/);
  } finally {
    await server.close();
  }
});
