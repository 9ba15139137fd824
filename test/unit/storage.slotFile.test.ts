import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { crc32 } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INDEX_ENTRY_BYTES, SlotFile, SLOT_HEADER_BYTES, TOMBSTONE_SLOT } from '../../src/core/storage/slotFile';
import { onWriteStep } from '../../src/core/storage/writeSteps';

const DIM = 4;
const SLOT = 64 + 4 * DIM + 4;
const ENTRY = INDEX_ENTRY_BYTES;
const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'erase-slots-'));
  dirs.push(d);
  return join(d, 'v.slots');
}
const v = (x: number) => Int32Array.from({ length: DIM }, (_, i) => x * 1000 + i);
const bytesOf = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The byte offsets of the index entries (version 2 table) that name `key`. */
function entryOffsets(index: Buffer, key: string): number[] {
  const k = Buffer.from(key);
  const out: number[] = [];
  for (let o = SLOT_HEADER_BYTES; o + ENTRY <= index.length; o += ENTRY) if (index.subarray(o, o + 64).equals(Buffer.concat([k, Buffer.alloc(64 - k.length)]))) out.push(o);
  return out;
}
/** The keys that live entries of the index name, in table order. */
function liveKeys(index: Buffer): string[] {
  const out: string[] = [];
  for (let o = SLOT_HEADER_BYTES; o + ENTRY <= index.length; o += ENTRY) if (index[o] !== 0) out.push(index.toString('utf8', o, index.indexOf(0, o)));
  return out;
}

function traced(work: () => void): { step: string; file: string }[] {
  const trace: { step: string; file: string }[] = [];
  onWriteStep((step, path) => trace.push({ step, file: path.endsWith('.index') ? 'index' : 'slots' }));
  try {
    work();
  } finally {
    onWriteStep(null);
  }
  return trace;
}

test('adding syncs the index entry before the vector is written; erasing syncs the zeroed vector before the index entry, whose tombstone needs no sync; a changed count is synced', () => {
  const path = tempPath();
  SlotFile.open(path, 'd', DIM).put([['a', v(1)]]);
  const add = traced(() => SlotFile.open(path, 'd', DIM).put([['b', v(2)]]));
  assert.deepEqual(add, [
    { step: 'write-in-place', file: 'index' },
    { step: 'fsync-file', file: 'index' },
    { step: 'write-in-place', file: 'slots' },
    { step: 'fsync-file', file: 'slots' },
  ]);
  // A tombstone a power loss undid names a zeroed slot: read as missing, freed by the next retain (next test).
  const erase = traced(() => SlotFile.open(path, 'd', DIM).retain(new Map([['a', 1]])));
  assert.deepEqual(erase, [
    { step: 'write-in-place', file: 'slots' },
    { step: 'fsync-file', file: 'slots' },
    { step: 'write-in-place', file: 'index' },
  ]);
  // A count that goes down must last: a stale higher count would keep a vector no example uses.
  SlotFile.open(path, 'd', DIM).put([['c', v(3)]], 2);
  const recount = traced(() => SlotFile.open(path, 'd', DIM).release(new Map([['c', 1]])));
  assert.deepEqual(recount, [
    { step: 'write-in-place', file: 'index' },
    { step: 'fsync-file', file: 'index' },
  ]);
  SlotFile.open(path, 'd', DIM).retain(new Map([['a', 1]]));
  const s = SlotFile.open(path, 'd', DIM);
  assert.deepEqual([...s.keys()], ['a']);
  assert.equal(
    readFileSync(path)
      .subarray(SLOT_HEADER_BYTES + SLOT)
      .every((b) => b === 0),
    true,
    "b's slot is all zeros",
  );
});

test('a crash between the two writes leaves a named slot without a vector: read as missing, freed by the next retain', () => {
  const path = tempPath();
  const s = SlotFile.open(path, 'd', DIM);
  s.put([
    ['a', v(1)],
    ['b', v(2)],
  ]);
  // The state after "vector zeroed, index entry not yet": zero b's slot by hand.
  const data = readFileSync(path);
  data.fill(0, SLOT_HEADER_BYTES + SLOT, SLOT_HEADER_BYTES + 2 * SLOT);
  writeFileSync(path, data);
  const r = SlotFile.open(path, 'd', DIM);
  assert.ok(r.has('b'));
  assert.deepEqual(r.readMany(['a', 'b']), [v(1), undefined]);
  // Recovery runs the same retain again: b's entry goes too.
  assert.equal(r.retain(new Map([['a', 1]])), 1);
  assert.deepEqual([...SlotFile.open(path, 'd', DIM).keys()], ['a']);
  assert.deepEqual(liveKeys(readFileSync(r.indexPath)), ['a'], "b's entry is gone from the index");
});

test('a vector whose slot names another key is never returned for this key', () => {
  const path = tempPath();
  const s = SlotFile.open(path, 'd', DIM);
  s.put([
    ['a', v(1)],
    ['b', v(2)],
  ]);
  // Swap the two entries' slot numbers: the index now points each key at the other's slot.
  const index = readFileSync(s.indexPath);
  const [a] = entryOffsets(index, 'a');
  const [b] = entryOffsets(index, 'b');
  const slotA = index.readUInt32LE(a + 68);
  index.writeUInt32LE(index.readUInt32LE(b + 68), a + 68);
  index.writeUInt32LE(slotA, b + 68);
  writeFileSync(s.indexPath, index);
  assert.deepEqual(SlotFile.open(path, 'd', DIM).readMany(['a', 'b']), [undefined, undefined]);
});

test('a key named twice in the index keeps its first slot; the duplicate slot is zeroed at the next write', () => {
  const path = tempPath();
  const s = SlotFile.open(path, 'd', DIM);
  s.put([['a', v(1)]]);
  s.put([['b', v(7)]]);
  // Make slot 1 a second copy of a (index and vector), as a torn concurrent write could: b's entry becomes a second entry of a naming slot 1.
  const index = readFileSync(s.indexPath);
  const [a] = entryOffsets(index, 'a');
  const [b] = entryOffsets(index, 'b');
  assert.equal(index.readUInt32LE(b + 68), 1);
  index.copy(index, b, a, a + 68);
  writeFileSync(s.indexPath, index);
  const data = readFileSync(path);
  data.copy(data, SLOT_HEADER_BYTES + SLOT, SLOT_HEADER_BYTES, SLOT_HEADER_BYTES + SLOT);
  writeFileSync(path, data);
  const r = SlotFile.open(path, 'd', DIM);
  assert.equal(r.size, 1);
  assert.deepEqual(r.read('a'), v(1));
  r.retain(new Map([['a', 1]]));
  const after = readFileSync(path);
  const zeroed = [0, 1].filter((i) => after.subarray(SLOT_HEADER_BYTES + i * SLOT, SLOT_HEADER_BYTES + (i + 1) * SLOT).every((x) => x === 0));
  assert.equal(zeroed.length, 1, 'the duplicate slot is zeroed');
  assert.equal(after.indexOf(bytesOf(v(1))), after.lastIndexOf(bytesOf(v(1))), 'one copy of the vector left');
  assert.equal(entryOffsets(readFileSync(s.indexPath), 'a').length, 1, 'the duplicate entry is gone');
  assert.deepEqual(SlotFile.open(path, 'd', DIM).read('a'), v(1));
});

test('freed slots are reused lowest first, and another descriptor reads as empty until the first write replaces it', () => {
  const path = tempPath();
  const s = SlotFile.open(path, 'd', DIM);
  s.put(['a', 'b', 'c', 'd'].map((k, i) => [k, v(i)] as const));
  s.retain(
    new Map([
      ['a', 1],
      ['c', 1],
    ]),
  );
  const r = SlotFile.open(path, 'd', DIM);
  r.put([
    ['x', v(8)],
    ['y', v(9)],
  ]);
  const size = readFileSync(path).length;
  assert.equal(size, SLOT_HEADER_BYTES + 4 * SLOT, 'the file did not grow');
  assert.deepEqual(SlotFile.open(path, 'd', DIM).readMany(['a', 'c', 'x', 'y']), [v(0), v(2), v(8), v(9)]);
  const other = SlotFile.open(path, 'another', DIM);
  assert.equal(other.status, 'rebuilt');
  assert.equal(other.size, 0);
  assert.equal(SlotFile.open(path, 'd', DIM).size, 4, 'opening with another descriptor writes nothing');
  other.put([['z', v(5)]]);
  assert.equal(readFileSync(path).length, SLOT_HEADER_BYTES + SLOT, 'replaced by the first write');
});

test('a batch with one bad row is refused whole: nothing written, nothing allocated', () => {
  const path = tempPath();
  const s = SlotFile.open(path, 'd', DIM);
  s.put([['a', v(1)]]);
  const before = readFileSync(path);
  assert.throws(
    () =>
      s.put([
        ['b', v(2)],
        ['c', new Int32Array(DIM + 1)],
      ]),
    /expected 4/,
  );
  assert.throws(() => s.put([['x'.repeat(65), v(3)]]), /1\.\.64 UTF-8 bytes/);
  assert.equal(s.size, 1);
  assert.ok(readFileSync(path).equals(before));
  s.put([['b', v(2)]]);
  assert.deepEqual(SlotFile.open(path, 'd', DIM).readMany(['a', 'b']), [v(1), v(2)]);
});

test('a view of a few keys (openKeys) reads and releases exactly as the full open does, and cannot add or retain', () => {
  const path = tempPath();
  // Keys that are prefixes of others, a freed slot in the middle and one reused: the byte search must match whole, aligned entries only.
  SlotFile.open(path, 'd', DIM).put(
    ['abc', 'b', 'c', 'cab', 'x'].map((k, i) => [k, v(i + 2)] as const),
    1,
  );
  SlotFile.open(path, 'd', DIM).put([['ab', v(1)]]); // after 'abc' in the index
  const full = SlotFile.open(path, 'd', DIM);
  full.retain(
    new Map([
      ['ab', 2],
      ['abc', 1],
      ['c', 3],
      ['cab', 1],
      ['x', 1],
    ]),
  );
  const view = SlotFile.openKeys(path, 'd', DIM, ['ab', 'abc', 'c', 'b', 'zz']);
  assert.deepEqual(view.readMany(['ab', 'abc', 'c', 'b', 'zz']), SlotFile.open(path, 'd', DIM).readMany(['ab', 'abc', 'c', 'b', 'zz']));
  assert.deepEqual(view.read('ab'), v(1));
  assert.equal(view.refs('ab'), 2);
  assert.equal(view.refs('c'), 3);
  assert.equal(view.has('b'), false, 'a freed slot is not found');
  assert.throws(() => view.put([['n', v(9)]]), /cannot add/);
  assert.throws(() => view.retain(new Map()), /cannot retain/);
  // abc loses its only reference (zeroed), c goes from 3 to 1.
  assert.equal(
    SlotFile.openKeys(path, 'd', DIM, ['abc', 'c']).release(
      new Map([
        ['abc', 1],
        ['c', 2],
      ]),
    ),
    1,
  );
  const after = SlotFile.open(path, 'd', DIM);
  assert.deepEqual([...after.keys()].sort(), ['ab', 'c', 'cab', 'x']);
  assert.equal(after.refs('c'), 1);
  assert.equal(after.refs('ab'), 2);
  assert.deepEqual(after.read('cab'), v(5));
  assert.equal(readFileSync(path).indexOf(bytesOf(v(2))), -1, 'the released vector is zeroed');
});

/** Counts the bytes that fs.readSync returns while `work` runs (the slot file reads through it). */
function bytesRead(work: () => void): number {
  let n = 0;
  const original = fs.readSync;
  const counting = ((...args: Parameters<typeof fs.readSync>) => {
    const got = (original as (...a: unknown[]) => number)(...args);
    n += got;
    return got;
  }) as typeof fs.readSync;
  fs.readSync = counting;
  syncBuiltinESMExports();
  try {
    work();
  } finally {
    fs.readSync = original;
    syncBuiltinESMExports();
  }
  return n;
}

/** Keys k<i> whose home position in a table of `capacity` entries is the same. */
function collidingKeys(capacity: number, count: number): string[] {
  const byHome = new Map<number, string[]>();
  for (let i = 0; ; i++) {
    const key = `k${i}`;
    const home = crc32(Buffer.from(key)) % capacity;
    const list = byHome.get(home) ?? [];
    list.push(key);
    byHome.set(home, list);
    if (list.length === count) return list;
  }
}

test('a lookup of a few keys (openKeys) reads a page or two of the index, not the whole index', () => {
  const path = tempPath();
  const keys = Array.from({ length: 20000 }, (_, i) => `key-${i}`);
  SlotFile.open(path, 'd', DIM).put(keys.map((k, i) => [k, v(i)] as const));
  const indexBytes = readFileSync(path.replace(/\.slots$/, '.index')).length;
  assert.ok(indexBytes > 1_000_000, `a large index (${indexBytes} bytes)`);
  let got: (Int32Array | undefined)[] = [];
  const n = bytesRead(() => {
    got = SlotFile.openKeys(path, 'd', DIM, ['key-7', 'key-19999', 'absent']).readMany(['key-7', 'key-19999', 'absent']);
  });
  assert.deepEqual(got, [v(7), v(19999), undefined]);
  // Two headers (4 KiB each), up to two 4 KiB probe windows per key, two slots.
  assert.ok(n <= 2 * SLOT_HEADER_BYTES + 3 * 2 * 4096 + 2 * SLOT, `read ${n} bytes`);
});

test('an erased entry becomes a tombstone without its key; keys probing past it are still found, and a new key reuses it', () => {
  const path = tempPath();
  const s = SlotFile.open(path, 'd', DIM);
  s.put([['seed', v(0)]]); // a fresh table of 64 entries
  const [a, b, c, d] = collidingKeys(64, 4);
  for (const [i, k] of [a, b, c].entries()) SlotFile.open(path, 'd', DIM).put([[k, v(i + 1)]]);
  const index = readFileSync(s.indexPath);
  assert.equal(index.length, SLOT_HEADER_BYTES + 64 * ENTRY, 'still the first table (written in place)');
  const bAt = entryOffsets(index, b)[0];
  assert.ok(entryOffsets(index, a)[0] < bAt && bAt < entryOffsets(index, c)[0], 'one probe run: a, b, c');
  assert.equal(SlotFile.openKeys(path, 'd', DIM, [b]).release(new Map([[b, 1]])), 1);
  const after = readFileSync(s.indexPath);
  assert.equal(after.indexOf(Buffer.from(b + '\0')), -1, "the tombstone keeps no trace of b's key");
  assert.equal(after.readUInt32LE(bAt + 68), TOMBSTONE_SLOT);
  assert.ok(after.subarray(bAt, bAt + 68).every((x) => x === 0));
  assert.deepEqual(SlotFile.openKeys(path, 'd', DIM, [a, b, c]).readMany([a, b, c]), [v(1), undefined, v(3)]);
  assert.deepEqual(SlotFile.open(path, 'd', DIM).readMany([a, b, c]), [v(1), undefined, v(3)]);
  SlotFile.open(path, 'd', DIM).put([[d, v(4)]]);
  assert.deepEqual(entryOffsets(readFileSync(s.indexPath), d), [bAt], "d takes b's tombstone");
  assert.deepEqual(SlotFile.openKeys(path, 'd', DIM, [c, d]).readMany([c, d]), [v(3), v(4)]);
});

test('the table grows by a rebuild (renamed over the old one) and every key stays found', () => {
  const path = tempPath();
  const trace = traced(() => {
    const s = SlotFile.open(path, 'd', DIM);
    for (let i = 0; i < 300; i += 5) s.put(Array.from({ length: 5 }, (_, j) => [`g${i + j}`, v(i + j)] as const));
  });
  assert.ok(
    trace.some((t) => t.step === 'rename' && t.file === 'index'),
    'rebuilt at least once',
  );
  const index = readFileSync(path.replace(/\.slots$/, '.index'));
  const capacity = (index.length - SLOT_HEADER_BYTES) / ENTRY;
  assert.ok(capacity >= 300 / 0.8 && capacity <= 2 * 300, `capacity ${capacity}`);
  const keys = Array.from({ length: 300 }, (_, i) => `g${i}`);
  assert.deepEqual(
    SlotFile.openKeys(path, 'd', DIM, keys).readMany(keys),
    keys.map((_, i) => v(i)),
  );
  assert.equal(SlotFile.open(path, 'd', DIM).size, 300);
});

/** A version 1 file pair (index entry i names slot i), as the previous release wrote it. */
function writeV1(path: string, rows: readonly (readonly [string, Int32Array, number] | null)[]): void {
  const head = (magic: string) => {
    const b = Buffer.alloc(SLOT_HEADER_BYTES);
    let o = b.write(magic, 0, 'latin1');
    for (const x of [1, DIM, SLOT, 1]) o = b.writeUInt32LE(x, o);
    b.write('d', o);
    b.writeUInt32LE(crc32(b.subarray(0, SLOT_HEADER_BYTES - 4)), SLOT_HEADER_BYTES - 4);
    return b;
  };
  const index = [head('ERASEIX1')];
  const data = [head('ERASESL1')];
  for (const row of rows) {
    const e = Buffer.alloc(68);
    const slot = Buffer.alloc(SLOT);
    if (row) {
      e.write(row[0]);
      e.writeUInt32LE(row[2], 64);
      slot.write(row[0]);
      bytesOf(row[1]).copy(slot, 64);
      slot.writeUInt32LE(crc32(slot.subarray(0, SLOT - 4)), SLOT - 4);
    }
    index.push(e);
    data.push(slot);
  }
  writeFileSync(path.replace(/\.slots$/, '.index'), Buffer.concat(index));
  writeFileSync(path, Buffer.concat(data));
}

test('a version 1 index is read as before and rebuilt as a version 2 table at the first write, the slots untouched', () => {
  const path = tempPath();
  writeV1(path, [['a', v(1), 2], null, ['c', v(3), 1], ['e', v(5), 1]]);
  const slotsBefore = readFileSync(path);
  const old = SlotFile.open(path, 'd', DIM);
  assert.equal(old.status, 'loaded');
  assert.deepEqual([...old.keys()], ['a', 'c', 'e']);
  assert.equal(old.refs('a'), 2);
  assert.deepEqual(SlotFile.openKeys(path, 'd', DIM, ['c', 'x']).readMany(['c', 'x']), [v(3), undefined]);
  assert.equal(readFileSync(path.replace(/\.slots$/, '.index')).readUInt32LE(8), 1, 'reading writes nothing');
  // The first write, an erasure through a view of one key: e is zeroed, then the index is version 2.
  assert.equal(SlotFile.openKeys(path, 'd', DIM, ['e']).release(new Map([['e', 1]])), 1);
  const index = readFileSync(path.replace(/\.slots$/, '.index'));
  assert.equal(index.readUInt32LE(8), 2);
  assert.equal((index.length - SLOT_HEADER_BYTES) % ENTRY, 0);
  assert.deepEqual(liveKeys(index).sort(), ['a', 'c']);
  const slots = readFileSync(path);
  assert.ok(slots.subarray(0, SLOT_HEADER_BYTES + 3 * SLOT).equals(slotsBefore.subarray(0, SLOT_HEADER_BYTES + 3 * SLOT)), 'other slots untouched');
  assert.ok(
    slots.subarray(SLOT_HEADER_BYTES + 3 * SLOT).every((x) => x === 0),
    "e's slot zeroed",
  );
  const now = SlotFile.openKeys(path, 'd', DIM, ['a', 'c', 'e']);
  assert.deepEqual(now.readMany(['a', 'c', 'e']), [v(1), v(3), undefined]);
  assert.equal(now.refs('a'), 2);
  // The free slots (1 and 3) are reused lowest first.
  SlotFile.open(path, 'd', DIM).put([['n', v(9)]]);
  assert.deepEqual(readFileSync(path).subarray(SLOT_HEADER_BYTES + SLOT + 64, SLOT_HEADER_BYTES + SLOT + 64 + 4 * DIM), bytesOf(v(9)));
});

/** The invariant: every slot holding an intact vector is named, with the same key and slot, by a live index entry. */
function unnamedVectors(path: string): string[] {
  const data = readFileSync(path);
  const index = readFileSync(path.replace(/\.slots$/, '.index'));
  const v2 = index.readUInt32LE(8) === 2;
  const named = new Set<string>();
  const entry = v2 ? ENTRY : 68;
  for (let o = SLOT_HEADER_BYTES, i = 0; o + entry <= index.length; o += entry, i++)
    if (index[o] !== 0) named.add(`${index.toString('utf8', o, index.indexOf(0, o))}@${v2 ? index.readUInt32LE(o + 68) : i}`);
  const out: string[] = [];
  for (let o = SLOT_HEADER_BYTES, i = 0; o + SLOT <= data.length; o += SLOT, i++) {
    if (crc32(data.subarray(o, o + SLOT - 4)) !== data.readUInt32LE(o + SLOT - 4) || data[o] === 0) continue;
    const key = `${data.toString('utf8', o, data.indexOf(0, o))}@${i}`;
    if (!named.has(key)) out.push(key);
  }
  return out;
}

test('a crash at any write step of a migration, a rebuild or an in-place erasure never leaves a vector that no entry names', () => {
  const scenarios: [string, (path: string) => void, (path: string) => void][] = [
    [
      'version 1 → 2 at an erasure',
      (p) => writeV1(p, [['a', v(1), 1], null, ['c', v(3), 2], ['e', v(5), 1]]),
      (p) => SlotFile.openKeys(p, 'd', DIM, ['e']).release(new Map([['e', 1]])),
    ],
    [
      'a rebuild that grows the table',
      (p) => SlotFile.open(p, 'd', DIM).put([['a', v(1)]]),
      (p) => SlotFile.open(p, 'd', DIM).put(Array.from({ length: 60 }, (_, i) => [`n${i}`, v(i)] as const)),
    ],
    [
      'an in-place erasure and a rebuild after a large one',
      (p) => SlotFile.open(p, 'd', DIM).put(Array.from({ length: 40 }, (_, i) => [`n${i}`, v(i)] as const)),
      (p) => {
        SlotFile.openKeys(p, 'd', DIM, ['n3']).release(new Map([['n3', 1]]));
        SlotFile.open(p, 'd', DIM).retain(new Map(Array.from({ length: 10 }, (_, i) => [`n${i}`, 1] as const)));
      },
    ],
  ];
  for (const [name, setup, act] of scenarios) {
    const probePath = tempPath();
    setup(probePath);
    const steps = traced(() => act(probePath)).length;
    assert.ok(steps >= 4, `${name}: ${steps} steps`);
    for (let crashAt = 1; crashAt <= steps; crashAt++) {
      const path = tempPath();
      setup(path);
      let n = 0;
      onWriteStep(() => {
        if (++n === crashAt) throw new Error('crash');
      });
      try {
        act(path);
      } catch (e) {
        assert.equal((e as Error).message, 'crash');
      } finally {
        onWriteStep(null);
      }
      assert.deepEqual(unnamedVectors(path), [], `${name}, crash at step ${crashAt} of ${steps}`);
      // Running it again completes it.
      act(path);
      assert.deepEqual(unnamedVectors(path), [], `${name}, after the rerun`);
    }
  }
});
