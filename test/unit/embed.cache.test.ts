import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { EmbeddingCache, cacheFileName, legacyCacheFileName } from '../../src/core/embed/cache';
import { SLOT_HEADER_BYTES } from '../../src/core/storage/slotFile';

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

/** Bytes of one slot: key (64) | vector | CRC-32. */
const SLOT = 64 + 4 * DIM + 4;
const INDEX_NAME = cacheFileName(ID).replace(/\.slots$/, '.index');

test('file names come from a hash of the embedder id, not the id itself', () => {
  assert.match(cacheFileName('ollama:nomic-embed-text:latest@abc-d768'), /^embeddings-[0-9a-f]{16}\.slots$/);
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
  assert.deepEqual(r.getMany(['b', 'zzz', 'a']), [vec(2), undefined, vec(1)]);
  // Binary fixed-size slots, not JSON text.
  assert.equal(statSync(join(dir, cacheFileName(ID))).size, SLOT_HEADER_BYTES + 3 * SLOT);
});

test('stored vectors are copies: later changes by the caller do not leak in', () => {
  const c = EmbeddingCache.open(tempDir(), ID, DIM);
  const v = vec(5);
  c.setMany([['x', v]]);
  v[0] = 42;
  assert.deepEqual(c.get('x'), vec(5));
});

test('an erased content and its vector are zeroed in place: physically gone, nothing else rewritten, the slot reused', () => {
  const dir = tempDir();
  const c = EmbeddingCache.open(dir, ID, DIM);
  c.setMany([
    ['keep-1', vec(1)],
    ['erase-me-7f3a', secret],
    ['keep-2', vec(2)],
  ]);
  c.flush();
  const slots = join(dir, cacheFileName(ID));
  const index = join(dir, INDEX_NAME);
  const before = Buffer.concat([readFileSync(slots), readFileSync(index)]);
  assert.ok(before.includes(Buffer.from('erase-me-7f3a')), 'key should be in the files before erasure');
  assert.ok(before.includes(bytesOf(secret)), 'vector should be in the file before erasure');
  const oldSlots = readFileSync(slots);
  const inode = statSync(slots).ino;
  assert.equal(c.deleteMany(['erase-me-7f3a', 'never-there']), 1);
  c.flush();
  const nowSlots = readFileSync(slots);
  const after = Buffer.concat([nowSlots, readFileSync(index)]);
  assert.ok(!after.includes(Buffer.from('erase-me-7f3a')), 'erased key still in the files');
  assert.ok(!after.includes(bytesOf(secret)), 'erased vector still in the file');
  assert.ok(!after.includes(bytesOf(secret.subarray(0, 2))), 'part of the erased vector still in the file');
  assert.equal(statSync(slots).ino, inode, 'written in place, not replaced');
  // Only the erased slot changed, to zeros.
  const changed = [];
  for (let i = 0; i < oldSlots.length; i++) if (oldSlots[i] !== nowSlots[i]) changed.push(i);
  const erasedSlot = Math.floor((changed[0] - SLOT_HEADER_BYTES) / SLOT);
  assert.ok(
    changed.every((i) => Math.floor((i - SLOT_HEADER_BYTES) / SLOT) === erasedSlot && nowSlots[i] === 0),
    'bytes outside the erased slot changed',
  );
  assert.deepEqual(readdirSync(dir).sort(), [cacheFileName(ID), INDEX_NAME].sort(), 'no temporary copies left beside it');
  const r = EmbeddingCache.open(dir, ID, DIM);
  assert.deepEqual([...r.keys()].sort(), ['keep-1', 'keep-2']);
  // The freed slot is reused: the file does not grow.
  r.setMany([['newcomer', vec(9)]]);
  r.flush();
  assert.equal(statSync(slots).size, oldSlots.length);
  assert.deepEqual(EmbeddingCache.open(dir, ID, DIM).get('newcomer'), vec(9));
});

test('retain keeps exactly the counted contents, records their reference counts, and is idempotent', () => {
  const dir = tempDir();
  const c = EmbeddingCache.open(dir, ID, DIM);
  c.setMany([
    ['a', vec(1)],
    ['b', secret],
    ['c', vec(3)],
  ]);
  c.flush();
  const counts = new Map([
    ['a', 2],
    ['c', 1],
  ]);
  assert.equal(EmbeddingCache.open(dir, ID, DIM).retain(counts), 1);
  assert.equal(EmbeddingCache.open(dir, ID, DIM).retain(counts), 0, 'a second run changes nothing');
  const r = EmbeddingCache.open(dir, ID, DIM);
  assert.deepEqual([...r.keys()].sort(), ['a', 'c']);
  assert.ok(!readFileSync(r.path).includes(bytesOf(secret)));
  const index = readFileSync(r.indexPath);
  const at = index.indexOf(Buffer.from('a\0'));
  assert.equal(index.readUInt32LE(at + 64), 2, 'reference count of a');
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
  for (const name of [cacheFileName(ID), INDEX_NAME]) assert.ok(readFileSync(join(d1, name)).equals(readFileSync(join(d2, name))), name);
});

test('damaged, foreign or garbage headers: the files are set aside with a warning, never a crash', () => {
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
    [
      'bit flip in the header',
      (p) => {
        const b = readFileSync(p);
        b[40] ^= 1;
        writeFileSync(p, b);
      },
      /checksum/,
    ],
    ['garbage', (p) => writeFileSync(p, 'not a cache at all, just some text'), /not a slot file/],
    ['empty', (p) => writeFileSync(p, ''), /not a slot file/],
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
    assert.equal(c.flush(), false);
    assert.equal(EmbeddingCache.open(dir, ID, DIM).loadStatus, 'loaded', name);
  }
  // Valid files of another embedder under this name (a hash collision, or copied files).
  const { dir, path } = make();
  const other = EmbeddingCache.open(tempDir(), 'other-embedder', DIM);
  other.setMany([['a', vec(9)]]);
  other.flush();
  writeFileSync(path, readFileSync(other.path));
  writeFileSync(join(dir, INDEX_NAME), readFileSync(other.indexPath));
  const c = EmbeddingCache.open(dir, ID, DIM);
  assert.equal(c.loadStatus, 'rebuilt');
  assert.match(c.warning ?? '', /another embedder/);
});

test('a torn or damaged slot reads as missing (computed again), the others stay', () => {
  const dir = tempDir();
  const c = EmbeddingCache.open(dir, ID, DIM);
  c.setMany([
    ['a', vec(1)],
    ['b', vec(2)],
    ['c', vec(3)],
  ]);
  c.flush();
  const path = join(dir, cacheFileName(ID));
  const b = readFileSync(path);
  b[SLOT_HEADER_BYTES + SLOT + 70] ^= 1; // inside b's vector
  writeFileSync(path, b);
  truncateSync(path, statSync(path).size - 10); // c's slot torn
  const r = EmbeddingCache.open(dir, ID, DIM);
  assert.equal(r.loadStatus, 'loaded');
  assert.deepEqual(r.getMany(['a', 'b', 'c']), [vec(1), undefined, undefined]);
  // Written again, they read back.
  r.setMany([
    ['b', vec(2)],
    ['c', vec(3)],
  ]);
  r.flush();
  assert.deepEqual(EmbeddingCache.open(dir, ID, DIM).getMany(['a', 'b', 'c']), [vec(1), vec(2), vec(3)]);
});

test('vectors of the wrong length are refused', () => {
  const c = EmbeddingCache.open(tempDir(), ID, DIM);
  assert.throws(() => c.setMany([['a', new Int32Array(DIM + 1)]]), /expected 8/);
  assert.throws(() => c.setMany([['a', new Float64Array(DIM) as unknown as Int32Array]]), /expected 8/);
});

/** A cache file of the previous format (one file rewritten whole; see cache.ts). */
function legacyFile(version: number, rows: [string, Int32Array][], embedderId = ID): Buffer {
  const parts: Buffer[] = [Buffer.from('ERASEEMB', 'latin1')];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const id = Buffer.from(embedderId);
  parts.push(u32(version), u32(DIM), u32(id.length), id, u32(rows.length));
  for (const [k, v] of [...rows].sort((x, y) => (x[0] < y[0] ? -1 : 1))) parts.push(u32(Buffer.byteLength(k)), Buffer.from(k), Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

test('a cache of the previous format is migrated into slots at the next flush, then deleted', () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, legacyCacheFileName(ID)),
    legacyFile(2, [
      ['a', vec(1)],
      ['gone', secret],
    ]),
  );
  const c = EmbeddingCache.open(dir, ID, DIM);
  assert.equal(c.loadStatus, 'loaded');
  assert.deepEqual(c.get('a'), vec(1));
  // The prune of a transaction: only what is still used moves over.
  assert.equal(c.retain(new Map([['a', 1]])), 0);
  assert.deepEqual(readdirSync(dir).sort(), [cacheFileName(ID), INDEX_NAME].sort(), 'the old file is deleted');
  const r = EmbeddingCache.open(dir, ID, DIM);
  assert.deepEqual([...r.keys()], ['a']);
  assert.deepEqual(r.get('a'), vec(1));
  assert.ok(!readFileSync(r.path).includes(bytesOf(secret)));
});

test('a cache file of the older format (rows keyed by example id) is discarded, never reused', () => {
  const dir = tempDir();
  writeFileSync(join(dir, legacyCacheFileName(ID)), legacyFile(1, [['example-7', vec(1)]]));
  const r = EmbeddingCache.open(dir, ID, DIM);
  assert.equal(r.loadStatus, 'rebuilt');
  assert.match(r.warning ?? '', /format version 1/);
  assert.equal(r.size, 0);
  r.flush();
  assert.deepEqual(readdirSync(dir).sort(), [cacheFileName(ID), INDEX_NAME].sort(), 'the old file is deleted');
});
