import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, UserError } from '../../src/core/errors';
import { toFixed } from '../../src/core/fixedpoint';
import { EmbeddingCache } from '../../src/core/embed/cache';
import { HashingEmbedder } from '../../src/core/embed/hashing';
import { createEmbedder, embedAll } from '../../src/core/embed/registry';
import { contentHash } from '../../src/core/embed/contentHash';
import type { Embedder } from '../../src/core/embed/types';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'erase-embed-'));
  dirs.push(d);
  return d;
}
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Wraps an embedder and records which texts it was asked to embed. */
function counting(inner: Embedder): Embedder & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    id: inner.id,
    dimension: inner.dimension,
    calls,
    embed: (texts, signal) => {
      calls.push([...texts]);
      return inner.embed(texts, signal);
    },
  };
}

const examples = Array.from({ length: 10 }, (_, i) => ({ id: `ex-${i}`, input: `example number ${i} about films` }));

test('createEmbedder: hashing, words, ollama:MODEL, transformers:DIR; unknown specs list the valid forms', async () => {
  assert.equal((await createEmbedder('hashing')).id, 'hashing-v1-d512');
  const fake = createOllamaStandIn();
  try {
    const e = await createEmbedder('ollama:fake-embed', { host: await fake.listen(0) });
    assert.match(e.id, /^ollama:fake-embed:latest@[0-9a-f]{12}-d64$/);
  } finally {
    await fake.close();
  }
  const t = await createEmbedder('transformers:fixtures/tiny-bert', { baseDir: join(__dirname, '..') });
  assert.match(t.id, /^transformers:tiny-bert@[0-9a-f]{12}-d32$/);
  assert.match((await createEmbedder('words')).id, /^words-glove100-v1-[0-9a-f]{12}-d100$/);
  for (const bad of ['', 'openai:x', 'ollama:', 'transformers', 'hashing-v9', 'words:x']) {
    await assert.rejects(createEmbedder(bad), (e) => e instanceof UserError && /hashing, words, ollama:MODEL, transformers:DIR/.test(e.message), bad);
  }
});

test('embedAll embeds only uncached examples, in batches, and returns vectors in the given order', async () => {
  const dir = tempDir();
  const h = new HashingEmbedder();
  const cache = EmbeddingCache.open(dir, h.id, h.dimension);
  const e1 = counting(h);
  const progress: [number, number][] = [];
  const first = await embedAll(e1, cache, examples.slice(0, 6), { batchSize: 4, onProgress: (d, t) => progress.push([d, t]) });
  assert.deepEqual(
    e1.calls.map((c) => c.length),
    [4, 2],
  );
  assert.deepEqual(progress, [
    [0, 6],
    [4, 6],
    [6, 6],
  ]);
  first.forEach((v, i) => assert.deepEqual(v, toFixed(h.embedText(examples[i].input))));

  // Reopen from disk (embedAll flushed): only the 4 new ones are embedded; order follows the input.
  const cache2 = EmbeddingCache.open(dir, h.id, h.dimension);
  assert.equal(cache2.size, 6);
  const e2 = counting(h);
  const shuffled = [examples[9], examples[0], examples[7], examples[3], examples[8], examples[6], examples[0]];
  const progress2: [number, number][] = [];
  const out = await embedAll(e2, cache2, shuffled, { batchSize: 64, onProgress: (d, t) => progress2.push([d, t]) });
  assert.deepEqual(e2.calls, [[examples[9].input, examples[7].input, examples[8].input, examples[6].input]]);
  assert.deepEqual(progress2, [
    [3, 7],
    [7, 7],
  ]);
  shuffled.forEach((ex, i) => assert.deepEqual(out[i], toFixed(h.embedText(ex.input))));
});

test('identical texts under two ids share one cache entry, keyed by the content hash, never the id', async () => {
  const h = new HashingEmbedder();
  const e = counting(h);
  const dir = tempDir();
  const cache = EmbeddingCache.open(dir, h.id, h.dimension);
  const same = [
    { id: 'explicit-1', input: 'the very same text' },
    { id: 'explicit-2', input: 'the very same text' },
  ];
  const out = await embedAll(e, cache, same);
  assert.equal(e.calls.length, 1);
  assert.equal(cache.size, 1);
  assert.deepEqual([...cache.keys()], [contentHash('the very same text')]);
  assert.deepEqual(out[0], out[1]);
  // The same id with an edited text is a new content: embedded again, the old row untouched.
  const edited = await embedAll(e, cache, [{ id: 'explicit-1', input: 'an edited text' }]);
  assert.equal(e.calls.length, 2);
  assert.notDeepEqual(edited[0], out[0]);
  assert.equal(cache.size, 2);
  const file = readFileSync(cache.path);
  assert.ok(!file.includes(Buffer.from('explicit-1')) && !file.includes(Buffer.from('the very same text')), 'neither ids nor texts are stored');
});

test('a duplicated id is embedded once', async () => {
  const h = new HashingEmbedder();
  const e = counting(h);
  const cache = EmbeddingCache.open(tempDir(), h.id, h.dimension);
  const out = await embedAll(e, cache, [examples[1], examples[1], examples[2]]);
  assert.deepEqual(e.calls, [[examples[1].input, examples[2].input]]);
  assert.deepEqual(out[0], out[1]);
});

test('cancellation between batches → CancelledError; finished batches stay cached', async () => {
  const h = new HashingEmbedder();
  const cache = EmbeddingCache.open(tempDir(), h.id, h.dimension);
  const ac = new AbortController();
  await assert.rejects(
    embedAll(h, cache, examples, {
      batchSize: 3,
      signal: ac.signal,
      onProgress: (d) => {
        if (d >= 3) ac.abort();
      },
    }),
    (e) => e instanceof CancelledError,
  );
  assert.equal(cache.size, 3);
  await assert.rejects(embedAll(h, cache, examples, { signal: AbortSignal.abort() }), (e) => e instanceof CancelledError);
});

test('a cache of another embedder is refused', async () => {
  const cache = EmbeddingCache.open(tempDir(), 'hashing-v1-d64', 64);
  await assert.rejects(embedAll(new HashingEmbedder(), cache, examples), /cache belongs to hashing-v1-d64/);
});
