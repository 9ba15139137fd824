import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { EmbeddingCache, cacheFileName } from '../../src/core/embed/cache';

const ID = 'hashing-v1-d8';
const DIM = 8;
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'erase-cache-'));
  dirs.push(d);
  return d;
}
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const vec = (seed: number) => Int32Array.from({ length: DIM }, (_, i) => ((seed * 7919 + i * 104729) % 1048576) - 524288);
/** A row nobody else would contain: a distinctive byte pattern to scan the file for. */
const secret = Int32Array.from({ length: DIM }, (_, i) => 0x5ec7e700 + i);
const bytesOf = (v: Int32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

test('file name comes from a hash of the embedder id, not the id itself', () => {
  assert.match(cacheFileName('ollama:nomic-embed-text:latest@abc-d768'), /^embeddings-[0-9a-f]{16}\.bin$/);
  assert.notEqual(cacheFileName('a'), cacheFileName('b'));
});

test('round trip: set, flush, reopen gives the same vectors; a second flush without change writes nothing', () => {
  const dir = tempDir();
  const c = EmbeddingCache.open(dir, ID, DIM);
  assert.equal(c.loadStatus, 'new');
  c.setMany([
    ['b', vec(2)],
    ['a', vec(1)],
    ['é-ünicode-id', vec(3)],
  ]);
  assert.equal(c.size, 3);
  assert.equal(c.flush(), true);
  assert.equal(c.flush(), false);
  const r = EmbeddingCache.open(dir, ID, DIM);
  assert.equal(r.loadStatus, 'loaded');
  assert.equal(r.size, 3);
  assert.deepEqual(r.get('a'), vec(1));
  assert.deepEqual(r.get('é-ünicode-id'), vec(3));
  assert.equal(r.get('zzz'), undefined);
  // Binary: 3 rows of 8 int32 + small header, not JSON text.
  const size = statSync(join(dir, cacheFileName(ID))).size;
  assert.ok(size < 3 * (DIM * 4 + 20) + 80, `file is ${size} bytes`);
});

test('stored vectors are copies: later changes by the caller do not leak in', () => {
  const c = EmbeddingCache.open(tempDir(), ID, DIM);
  const v = vec(5);
  c.setMany([['x', v]]);
  v[0] = 42;
  assert.deepEqual(c.get('x'), vec(5));
});

test('an erased id and its vector are physically gone from the file after flush', () => {
  const dir = tempDir();
  const c = EmbeddingCache.open(dir, ID, DIM);
  c.setMany([
    ['keep-1', vec(1)],
    ['erase-me-7f3a', secret],
    ['keep-2', vec(2)],
  ]);
  c.flush();
  const path = join(dir, cacheFileName(ID));
  const before = readFileSync(path);
  assert.ok(before.includes(Buffer.from('erase-me-7f3a')), 'id should be in the file before erasure');
  assert.ok(before.includes(bytesOf(secret)), 'vector should be in the file before erasure');
  assert.equal(c.deleteMany(['erase-me-7f3a', 'never-there']), 1);
  c.flush();
  const after = readFileSync(path);
  assert.ok(!after.includes(Buffer.from('erase-me-7f3a')), 'erased id still in the file');
  assert.ok(!after.includes(bytesOf(secret)), 'erased vector still in the file');
  assert.ok(!after.includes(bytesOf(secret.subarray(0, 2))), 'part of the erased vector still in the file');
  assert.deepEqual(readdirSync(dir), [cacheFileName(ID)], 'no temporary copies left beside it');
  const r = EmbeddingCache.open(dir, ID, DIM);
  assert.deepEqual([...r.keys()].sort(), ['keep-1', 'keep-2']);
});

test('equal contents give byte-identical files whatever the insertion order', () => {
  const d1 = tempDir();
  const d2 = tempDir();
  const a = EmbeddingCache.open(d1, ID, DIM);
  a.setMany([
    ['x', vec(1)],
    ['y', vec(2)],
  ]);
  a.flush();
  const b = EmbeddingCache.open(d2, ID, DIM);
  b.setMany([
    ['y', vec(2)],
    ['x', vec(1)],
  ]);
  b.flush();
  assert.ok(readFileSync(join(d1, cacheFileName(ID))).equals(readFileSync(join(d2, cacheFileName(ID)))));
});

test('truncated, damaged, foreign or garbage files are discarded with a warning, never a crash', () => {
  const make = () => {
    const dir = tempDir();
    const c = EmbeddingCache.open(dir, ID, DIM);
    c.setMany([
      ['a', vec(1)],
      ['b', vec(2)],
    ]);
    c.flush();
    return { dir, path: join(dir, cacheFileName(ID)) };
  };
  const cases: [string, (p: string) => void, RegExp][] = [
    ['truncated', (p) => truncateSync(p, statSync(p).size - 10), /checksum/],
    [
      'bit flip',
      (p) => {
        const b = readFileSync(p);
        b[40] ^= 1;
        writeFileSync(p, b);
      },
      /checksum/,
    ],
    ['garbage', (p) => writeFileSync(p, 'not a cache at all, just some text'), /not an embedding cache/],
    ['empty', (p) => writeFileSync(p, ''), /not an embedding cache/],
  ];
  for (const [name, damage, why] of cases) {
    const { dir, path } = make();
    damage(path);
    const c = EmbeddingCache.open(dir, ID, DIM);
    assert.equal(c.loadStatus, 'rebuilt', name);
    assert.equal(c.size, 0, name);
    assert.match(c.warning ?? '', why, name);
    assert.match(c.warning ?? '', /computed again/, name);
    // The bad file is replaced at the next flush, even with nothing added.
    assert.equal(c.flush(), true);
    assert.equal(EmbeddingCache.open(dir, ID, DIM).loadStatus, 'loaded', name);
  }
  // A valid file of another embedder under this name (a hash collision, or a copied file).
  const { dir, path } = make();
  const other = EmbeddingCache.open(tempDir(), 'other-embedder', DIM);
  other.setMany([['a', vec(9)]]);
  other.flush();
  writeFileSync(path, readFileSync(other.path));
  const c = EmbeddingCache.open(dir, ID, DIM);
  assert.equal(c.loadStatus, 'rebuilt');
  assert.match(c.warning ?? '', /another embedder/);
});

test('vectors of the wrong length are refused', () => {
  const c = EmbeddingCache.open(tempDir(), ID, DIM);
  assert.throws(() => c.setMany([['a', new Int32Array(DIM + 1)]]), /expected 8/);
  assert.throws(() => c.setMany([['a', new Float64Array(DIM) as unknown as Int32Array]]), /expected 8/);
});

test('a cache file of the older format (rows keyed by example id) is discarded, never reused', () => {
  const dir = tempDir();
  const c = EmbeddingCache.open(dir, ID, DIM);
  c.setMany([['example-7', vec(1)]]);
  c.flush();
  const b = readFileSync(c.path);
  b.writeUInt32LE(1, 8); // version 1
  createHash('sha256')
    .update(b.subarray(0, b.length - 32))
    .digest()
    .copy(b, b.length - 32);
  writeFileSync(c.path, b);
  const r = EmbeddingCache.open(dir, ID, DIM);
  assert.equal(r.loadStatus, 'rebuilt');
  assert.match(r.warning ?? '', /format version 1/);
  assert.equal(r.size, 0);
});
