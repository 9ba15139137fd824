// The local-model embedder from the packaged files alone: the bundles that the .vsix ships
// (.vscodeignore) copied to a folder with no node_modules anywhere above it, run on the tiny
// random-weight model fixture. Catches a bundle that still needs @huggingface/transformers,
// onnxruntime-node or sharp from node_modules, or a .wasm left out of the package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from './cliHarness';

const FIXTURE = join(REPO, 'test', 'fixtures', 'tiny-bert');

/** dist/ files that .vscodeignore lets into the package. */
function packagedDistFiles(): string[] {
  return readFileSync(join(REPO, '.vscodeignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!dist/'))
    .map((l) => l.slice('!dist/'.length));
}

test('the packaged CLI embeds with transformers:DIR on the WASM backend, without node_modules', () => {
  const root = tempDir('packaged');
  try {
    const dist = join(root, 'ext', 'dist');
    mkdirSync(dist, { recursive: true });
    for (const f of packagedDistFiles()) copyFileSync(join(REPO, 'dist', f), join(dist, f));
    const ws = join(root, 'ws');
    cpSync(join(REPO, 'test', 'fixtures', 'workspace'), ws, { recursive: true });
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, [join(dist, 'cli.js'), ...args], { cwd: ws, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
      assert.equal(r.status, 0, `erase ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    run('init', '--data', 'data.jsonl', '--k', '3', '--embedder', `transformers:${FIXTURE}`);
    const out = JSON.parse(run('cluster', '--json')) as { distinct: number; nonEmpty: number };
    assert.equal(out.distinct, 30);
    assert.equal(out.nonEmpty, 3);
    const meta = JSON.parse(readFileSync(join(ws, '.erase', 'meta.json'), 'utf8')) as { embedderId: string; embedderDimension: number };
    assert.match(meta.embedderId, /^transformers:tiny-bert@[0-9a-f]{12}-d32$/);
    assert.equal(meta.embedderDimension, 32);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
