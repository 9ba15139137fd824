import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlotFile, SLOT_HEADER_BYTES } from '../../src/core/storage/slotFile';
import { onWriteStep } from '../../src/core/storage/writeSteps';

const DIM = 4;
const SLOT = 64 + 4 * DIM + 4;
const ENTRY = 68;
const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'erase-slots-'));
  dirs.push(d);
  return join(d, 'v.slots');
}
const v = (x: number) => Int32Array.from({ length: DIM }, (_, i) => x * 1000 + i);
const bytesOf = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

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

test('adding syncs the index entry before the vector is written; erasing syncs the zeroed vector before the index entry', () => {
  const path = tempPath();
  SlotFile.open(path, 'd', DIM).put([['a', v(1)]]);
  const add = traced(() => SlotFile.open(path, 'd', DIM).put([['b', v(2)]]));
  assert.deepEqual(add, [
    { step: 'write-in-place', file: 'index' },
    { step: 'fsync-file', file: 'index' },
    { step: 'write-in-place', file: 'slots' },
    { step: 'fsync-file', file: 'slots' },
  ]);
  const erase = traced(() => SlotFile.open(path, 'd', DIM).retain(new Map([['a', 1]])));
  assert.deepEqual(erase, [
    { step: 'write-in-place', file: 'slots' },
    { step: 'fsync-file', file: 'slots' },
    { step: 'write-in-place', file: 'index' },
    { step: 'fsync-file', file: 'index' },
  ]);
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
  assert.ok(
    readFileSync(r.indexPath)
      .subarray(SLOT_HEADER_BYTES + ENTRY)
      .every((b) => b === 0),
  );
});

test('a vector whose slot names another key is never returned for this key', () => {
  const path = tempPath();
  const s = SlotFile.open(path, 'd', DIM);
  s.put([
    ['a', v(1)],
    ['b', v(2)],
  ]);
  // Swap the two index entries: the index now points each key at the other's slot.
  const index = readFileSync(s.indexPath);
  const first = Buffer.from(index.subarray(SLOT_HEADER_BYTES, SLOT_HEADER_BYTES + ENTRY));
  index.copy(index, SLOT_HEADER_BYTES, SLOT_HEADER_BYTES + ENTRY, SLOT_HEADER_BYTES + 2 * ENTRY);
  first.copy(index, SLOT_HEADER_BYTES + ENTRY);
  writeFileSync(s.indexPath, index);
  assert.deepEqual(SlotFile.open(path, 'd', DIM).readMany(['a', 'b']), [undefined, undefined]);
});

test('a key named twice in the index keeps its first slot; the duplicate slot is zeroed at the next write', () => {
  const path = tempPath();
  const s = SlotFile.open(path, 'd', DIM);
  s.put([['a', v(1)]]);
  s.put([['b', v(7)]]);
  // Make slot 1 a second copy of a (index and vector), as a torn concurrent write could.
  const index = readFileSync(s.indexPath);
  index.copy(index, SLOT_HEADER_BYTES + ENTRY, SLOT_HEADER_BYTES, SLOT_HEADER_BYTES + ENTRY);
  writeFileSync(s.indexPath, index);
  const data = readFileSync(path);
  data.copy(data, SLOT_HEADER_BYTES + SLOT, SLOT_HEADER_BYTES, SLOT_HEADER_BYTES + SLOT);
  writeFileSync(path, data);
  const r = SlotFile.open(path, 'd', DIM);
  assert.equal(r.size, 1);
  assert.deepEqual(r.read('a'), v(1));
  r.retain(new Map([['a', 1]]));
  const after = readFileSync(path);
  assert.ok(
    after.subarray(SLOT_HEADER_BYTES + SLOT).every((b) => b === 0),
    'the duplicate slot is zeroed',
  );
  assert.equal(after.indexOf(bytesOf(v(1))), after.lastIndexOf(bytesOf(v(1))), 'one copy of the vector left');
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
