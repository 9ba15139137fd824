import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { configureEmbedWorkers, embedHashingOnWorkers, WORKERS_MIN_TEXTS, defaultEmbedThreads } from '../../src/core/embed/hashingOnWorkers';
import { HashingEmbedder } from '../../src/core/embed/hashing';
import { toFixed } from '../../src/core/fixedpoint';
import { Projection } from '../../src/core/qkmeans/projection';
import { CancelledError } from '../../src/core/errors';
import { EraseWorkspace } from '../../src/core/workspace';
import { filesUnder, tempDir } from './workspace.helpers';

// The worker runs the source through tsx, as the main thread of this test does.
const WORKER_TS = join(__dirname, '..', '..', 'src', 'core', 'embed', 'hashingWorker.ts');
const startFromSource = (): Worker => new Worker(`require('tsx/cjs'); require(${JSON.stringify(WORKER_TS)});`, { eval: true });

afterEach(() => configureEmbedWorkers(undefined));

const WORDS = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold', 'plain', 'wild', 'café', 'naïve', '東京'];
const textOf = (i: number): string => `the ${WORDS[(i * 7) % WORDS.length]} film was ${WORDS[(i * 5 + 1) % WORDS.length]} and ${WORDS[(i * 3) % WORDS.length]}, take ${i}`;
const texts = (n: number): string[] => Array.from({ length: n }, (_, i) => (i % 997 === 5 ? '' : textOf(i)));

test('on worker threads, every vector (full and projected) is bit-identical to the main thread, in the texts order', async () => {
  configureEmbedWorkers({ start: startFromSource, threads: 2 });
  const input = texts(WORKERS_MIN_TEXTS + 1500); // several chunks, the last one partial
  const seen: number[] = [];
  const out = await embedHashingOnWorkers(input, { dimension: 512, keepFull: true, projection: { seed: 'w', dims: 16 } }, { onProgress: (done) => seen.push(done) });
  assert.ok(out?.full && out.projected, 'ran on the workers');
  const h = new HashingEmbedder();
  const p = new Projection('w', 512, 16);
  for (let i = 0; i < input.length; i++) {
    const full = toFixed(h.embedText(input[i]));
    assert.deepEqual(out.full[i], full, `full vector ${i}`);
    assert.deepEqual(out.projected[i], p.project(full), `projected vector ${i}`);
  }
  assert.equal(seen.at(-1), input.length, 'progress reaches the total');
  assert.ok(
    seen.every((x, i) => i === 0 || x > seen[i - 1]),
    'progress only grows',
  );
});

test('too few texts, one thread, or nothing configured: the main thread embeds (undefined)', async () => {
  const big = texts(WORKERS_MIN_TEXTS);
  assert.equal(await embedHashingOnWorkers(big, { dimension: 512, keepFull: true }), undefined, 'not configured');
  configureEmbedWorkers({ start: startFromSource, threads: 1 });
  assert.equal(await embedHashingOnWorkers(big, { dimension: 512, keepFull: true }), undefined, 'one thread');
  configureEmbedWorkers({ start: startFromSource, threads: 2 });
  assert.equal(await embedHashingOnWorkers(texts(WORKERS_MIN_TEXTS - 1), { dimension: 512, keepFull: true }), undefined, 'below the minimum');
  assert.equal(defaultEmbedThreads({ ERASE_EMBED_THREADS: '1' }), 1);
  assert.equal(defaultEmbedThreads({ ERASE_EMBED_THREADS: ' 3 ' }), 3);
  assert.ok(defaultEmbedThreads({ ERASE_EMBED_THREADS: 'many' }) <= 2, 'a bad value falls back to the default');
});

test('cancel stops the workers and rejects with CancelledError; a failing worker rejects, never hangs', async () => {
  configureEmbedWorkers({ start: startFromSource, threads: 2 });
  const ac = new AbortController();
  const running = embedHashingOnWorkers(texts(WORKERS_MIN_TEXTS * 4), { dimension: 512, keepFull: true }, { signal: ac.signal, onProgress: () => ac.abort() });
  await assert.rejects(running, CancelledError);

  configureEmbedWorkers({ start: () => new Worker(`throw new Error('no embedder here')`, { eval: true }), threads: 2 });
  await assert.rejects(embedHashingOnWorkers(texts(WORKERS_MIN_TEXTS), { dimension: 512, keepFull: true }), /no embedder here/);

  configureEmbedWorkers({ start: () => new Worker(`require('node:worker_threads').parentPort.on('message', (m) => process.exit(3))`, { eval: true }), threads: 2 });
  await assert.rejects(embedHashingOnWorkers(texts(WORKERS_MIN_TEXTS), { dimension: 512, keepFull: true }), /exit code 3/);
});

test('a workspace clustered with embedding workers equals one clustered on one thread: state, verify, and every stored file', async () => {
  const lines = texts(WORKERS_MIN_TEXTS + 300).map((input, i) => JSON.stringify({ id: `x${i}`, input: input || 'blank', output: i % 2 ? 'positive' : 'negative' }));
  const run = async (threads: number): Promise<{ hash: string; files: Map<string, string> }> => {
    configureEmbedWorkers(threads > 1 ? { start: startFromSource, threads } : undefined);
    const file = join(tempDir('erase-workers-'), 'data.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const ws = EraseWorkspace.init(file, { k: 4, eps: 0.1, seed: 'workers' });
    const hash = (await ws.cluster()).stateHash;
    assert.equal((await ws.verify()).equal, true, `verify with ${threads} threads`);
    const root = join(file, '..', '.erase');
    const files = new Map(
      filesUnder(root)
        .filter((f) => /(cache|points|state)/.test(f) && !/map-|measurements|\.lock/.test(f))
        .map((f) => [f.slice(root.length), readFileSync(f).toString('base64')] as const),
    );
    return { hash, files };
  };
  const one = await run(1);
  const two = await run(2);
  assert.equal(two.hash, one.hash);
  assert.deepEqual([...two.files.keys()].sort(), [...one.files.keys()].sort());
  for (const [name, bytes] of one.files) assert.equal(two.files.get(name), bytes, `${name} differs`);
});
