import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scanResiduals } from '../../src/core/residual/index';
import { VECTOR_HEADER_BYTES, vectorFileHeader } from '../../src/core/residual/vectorFiles';
import { SlotFile } from '../../src/core/storage/slotFile';
import { EraseWorkspace } from '../../src/core/workspace';
import { tempDirsRemovedAfter, write } from './residual.helpers';

/** Temp folders of this file, removed when it is done. */
const tempDir = tempDirsRemovedAfter();

// The scan searches only the header of the tool's vector stores (.slots/.index): their bodies hold
// content keys (SHA-256 hex) and integers. These tests pin that format to what the stores write,
// and show that anything not exactly such a store is still searched whole.

const NEEDLE = 'a quite particular erased sentence';

/** A real store written through the storage layer: one vector under a content key. */
function store(dir: string, descriptor = 'embedder:test-d4'): string {
  const path = join(dir, 'vectors.slots');
  const s = SlotFile.open(path, descriptor, 4);
  s.put([['0'.repeat(64), Int32Array.from([1, -2, 3, 4])]]);
  return path;
}

test('vector stores: a store and its index are recognised from their header; a damaged or foreign file is not', () => {
  const dir = tempDir('vectors');
  const slots = store(dir);
  for (const p of [slots, slots.replace(/\.slots$/, '.index')]) {
    const b = readFileSync(p);
    assert.ok(vectorFileHeader(b, b.length), p);
    assert.equal(vectorFileHeader(b, b.length)!.length, VECTOR_HEADER_BYTES);
    // A changed header byte (CRC-32), a size that is not whole entries, another magic: searched whole.
    const damaged = Buffer.from(b);
    damaged[30] ^= 1;
    assert.equal(vectorFileHeader(damaged, b.length), undefined, `${p}: damaged header`);
    assert.equal(vectorFileHeader(b, b.length + 1), undefined, `${p}: truncated entry`);
    const foreign = Buffer.from(b);
    foreign.write('ERASEXX1', 0, 'latin1');
    assert.equal(vectorFileHeader(foreign, b.length), undefined, `${p}: other magic`);
  }
});

test('scan: a vector store is searched in its header only, and counted scanned even above the size limit; anything else named .slots is searched whole', async () => {
  const root = tempDir('vectors-scan');
  const erase = join(root, '.erase');
  write(root, '.erase/placeholder', '');
  store(erase, `embedder:${NEEDLE}`); // the descriptor is free text: searched, in the store and its index
  // Text after a valid header (what a store cannot hold): not read.
  const innocent = store(tempDir('vectors-innocent'));
  const body = Buffer.concat([readFileSync(innocent), Buffer.alloc(64 + 4 * 4 + 4 - NEEDLE.length), Buffer.from(NEEDLE)]);
  writeFileSync(join(erase, 'planted.slots'), body);
  // The same bytes with a damaged header: searched whole.
  const damaged = Buffer.from(body);
  damaged[100] ^= 1;
  writeFileSync(join(erase, 'damaged.slots'), damaged);
  const r = await scanResiduals({ root, needles: [NEEDLE], extraDirs: ['.erase'], gitHistory: false, maxFileBytes: 2048 });
  assert.deepEqual(
    r.hits.map((h) => h.path),
    ['.erase/vectors.index', '.erase/vectors.slots'],
    'the descriptor of the real store is searched; the planted body is not, the damaged file is too large',
  );
  assert.deepEqual(
    r.skipped.map((s) => s.path),
    ['.erase/damaged.slots'],
  );
  const whole = await scanResiduals({ root, needles: [NEEDLE], extraDirs: ['.erase'], gitHistory: false });
  assert.ok(
    whole.hits.some((h) => h.path === '.erase/damaged.slots'),
    'a file that is not a store is searched whole',
  );
});

test('vector stores after clustering hold only content keys (hex) and integers: the invariant the scan relies on', async () => {
  const dir = tempDir('vectors-ws');
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) lines.push(JSON.stringify({ input: `example number ${i} says something long enough`, output: i % 2 ? 'yes' : 'no' }));
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  const ws = EraseWorkspace.init(join(dir, 'data.jsonl'), { k: 3 });
  await ws.cluster();
  const stores: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(slots|index)$/.test(e.name)) stores.push(p);
    }
  };
  walk(join(dir, '.erase'));
  assert.ok(stores.length >= 4, `the embedding cache and the points, each with its index: ${stores.join(', ')}`);
  for (const p of stores) {
    const b = readFileSync(p);
    const header = vectorFileHeader(b, statSync(p).size);
    assert.ok(header, `${p} is recognised as a vector store`);
    const slotBytes = p.endsWith('.slots') ? b.readUInt32LE(16) : 72;
    let keys = 0;
    for (let o = VECTOR_HEADER_BYTES; o < b.length; o += slotBytes) {
      const key = b.subarray(o, o + 64);
      if (key.every((x) => x === 0)) continue;
      assert.match(key.toString('latin1'), /^[0-9a-f]{64}$/, `${p}: every key is a SHA-256 hex content hash, not text`);
      keys++;
    }
    assert.ok(keys > 0, `${p} holds keys`);
  }
});
