import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempDir } from './cliHarness';

// Enough examples for the embedding to go to the worker threads (WORKERS_MIN_TEXTS = 4096).
const N = 4600;
const WORDS = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold', 'plain', 'wild'];

function workspace(): string {
  const dir = tempDir('workers');
  const lines = Array.from({ length: N }, (_, i) =>
    JSON.stringify({ input: `a ${WORDS[(i * 7) % 12]} film, ${WORDS[(i * 5 + 1) % 12]} and ${WORDS[i % 12]} (${i})`, output: i % 2 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  return dir;
}

function run(cli: string, cwd: string, threads: number, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ERASE_EMBED_THREADS: String(threads) } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('the built CLI embeds on its worker threads (dist/embedWorker.js): the same state and verify as on one thread', () => {
  const hashes = [1, 2].map((threads) => {
    const dir = workspace();
    assert.equal(run(CLI, dir, threads, 'init', '--data', 'data.jsonl').code, 0);
    const c = run(CLI, dir, threads, 'cluster', '--json');
    assert.equal(c.code, 0, c.stderr);
    const v = run(CLI, dir, threads, 'verify', '--json');
    assert.equal(v.code, 0, v.stderr);
    assert.equal(JSON.parse(v.stdout).equal, true, `verify on ${threads} threads`);
    return JSON.parse(c.stdout).stateHash as string;
  });
  assert.equal(hashes[1], hashes[0]);

  // Proof that the two-thread run used the worker bundle: a CLI whose worker file is broken fails with the worker's error.
  const dist = tempDir('workers-dist');
  copyFileSync(CLI, join(dist, 'cli.js'));
  writeFileSync(join(dist, 'embedWorker.js'), "throw new Error('broken worker bundle');\n");
  const dir = workspace();
  assert.equal(run(join(dist, 'cli.js'), dir, 2, 'init', '--data', 'data.jsonl').code, 0);
  const broken = run(join(dist, 'cli.js'), dir, 2, 'cluster');
  assert.notEqual(broken.code, 0);
  assert.match(broken.stderr, /broken worker bundle/);
  assert.equal(run(join(dist, 'cli.js'), dir, 1, 'cluster').code, 0, 'one thread does not start the worker');
});
