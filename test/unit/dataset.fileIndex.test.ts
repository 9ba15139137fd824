import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eraseFromDatasetFile, loadDataset, loadIndexedDataset } from '../../src/core/dataset/load';
import { analyzeBytes, BLOCK_LINES, examplesOfIds, linesOfAnalysis, indexTableBlocks, readIndex } from '../../src/core/dataset/fileIndex';
import { removeExampleLines } from '../../src/core/dataset/jsonl';
import { idKey, mayHold } from '../../src/core/dataset/idFilter';
import { contentHash } from '../../src/core/embed/contentHash';

const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function setup(text: string | Buffer): { file: string; index: string } {
  const d = mkdtempSync(join(tmpdir(), 'erase-dsindex-'));
  dirs.push(d);
  writeFileSync(join(d, 'data.jsonl'), text);
  return { file: join(d, 'data.jsonl'), index: join(d, '.erase', 'dataset-index') };
}

/** A file with every kind of line: BOM, CRLF, blank, malformed, invalid UTF-8, duplicates, explicit ids, no final newline. */
function awkward(n: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0xef, 0xbb, 0xbf])];
  for (let i = 0; i < n; i++) {
    const rec = i % 5 === 0 ? { id: `x${i}`, input: `explicit ${i} ünïcode`, output: 'o', label: 'l' } : { input: `plain text ${i % 97}`, output: 'o' };
    parts.push(Buffer.from(JSON.stringify(rec) + (i % 7 === 0 ? '\r\n' : '\n')));
    if (i % 1000 === 3) parts.push(Buffer.from('\n'));
    if (i % 1000 === 4) parts.push(Buffer.from('{"input": broken\n'));
    if (i % 1000 === 5) parts.push(Buffer.from([0x7b, 0xff, 0x7d, 0x0a]));
  }
  parts.push(Buffer.from(JSON.stringify({ id: 'last', input: 'the last line has no newline', output: 'o' })));
  return Buffer.concat(parts);
}

function plain(ds: ReturnType<typeof loadDataset>) {
  return {
    examples: ds.examples.map((e) => ({ id: e.id, input: e.input, output: e.output, label: e.label, meta: e.meta, multiplicity: e.multiplicity, lines: [...e.lines] })),
    malformed: ds.malformed,
    duplicates: ds.duplicates,
  };
}

test('the indexed data set equals a full parse; the index is trusted while the stat matches, rebuilt after an edit', () => {
  const { file, index } = setup(awkward(300));
  const first = loadIndexedDataset(file, index);
  assert.equal(first.contents, null, 'the first load parses and writes the index');
  assert.ok(readIndex(index, statSync(file)), 'the index matches the file');
  const second = loadIndexedDataset(file, index);
  assert.ok(second.contents, 'the second load comes from the index');
  assert.deepEqual(plain(second.dataset), plain(loadDataset(file)));
  assert.deepEqual(JSON.parse(JSON.stringify(second.dataset.examples)), JSON.parse(JSON.stringify(loadDataset(file).examples)), 'JSON sees every field');
  for (const e of second.dataset.examples) assert.equal(second.contents!.get(e.id), contentHash(e.input));
  appendFileSync(file, '\n' + JSON.stringify({ input: 'added by hand', output: 'o' }) + '\n');
  assert.equal(readIndex(index, statSync(file)), null, 'a changed file does not match the index');
  const third = loadIndexedDataset(file, index);
  assert.equal(third.contents, null);
  assert.ok(third.dataset.examples.some((e) => e.input === 'added by hand'));
  assert.deepEqual(plain(loadIndexedDataset(file, index).dataset), plain(loadDataset(file)));
});

test('a damaged index block is not trusted', () => {
  const { file, index } = setup(awkward(50));
  loadIndexedDataset(file, index);
  const block = readdirSync(index).find((f) => /^b\d+\.bin$/.test(f))!;
  const b = readFileSync(join(index, block));
  b[20] ^= 1;
  writeFileSync(join(index, block), b);
  assert.equal(readIndex(index, statSync(file)), null);
  assert.equal(loadIndexedDataset(file, index).contents, null, 'rebuilt');
});

test('erasing through the index copies byte ranges: same bytes as the parsing rewrite, only the touched blocks rewritten, nothing erased left in the index', () => {
  const n = BLOCK_LINES * 2 + 500;
  const bytes = awkward(n);
  const { file, index } = setup(bytes);
  const ds = loadIndexedDataset(file, index).dataset;
  // Lines in the first and the last block, among them the last line (no newline).
  const victims = ['x10', 'x25', `x${Math.floor((n - 10) / 5) * 5}`, 'last'].map((id) => ds.examples.find((e) => e.id === id)!);
  const ids = new Set(victims.map((e) => e.id));
  const texts = victims.map((e) => e.input);
  const blocksBefore = new Set(readdirSync(index));
  const expected = removeExampleLines(bytes, file, ids);
  const r = eraseFromDatasetFile(file, ids, index);
  assert.deepEqual(r.removedLines, expected.removedLines);
  assert.ok(readFileSync(file).equals(Buffer.from(expected.bytes)), 'the file equals the parsing rewrite byte for byte');
  const idx = readIndex(index, statSync(file));
  assert.ok(idx, 'the index was updated to the new file');
  assert.deepEqual(idx.lines, linesOfAnalysis(analyzeBytes(readFileSync(file), file)), 'the updated index equals a fresh one');
  const blocksAfter = readdirSync(index);
  const kept = blocksAfter.filter((f) => blocksBefore.has(f) && /^b\d+\.bin$/.test(f));
  assert.equal(kept.length, 1, `only the untouched middle block is kept as it was (${blocksAfter.join(' ')})`);
  for (const f of blocksAfter) {
    const b = readFileSync(join(index, f));
    for (const id of ids) {
      // As the block stores it: u16 length, then the id (so x10 is not found inside x105).
      const named = Buffer.concat([Buffer.from([Buffer.byteLength(id) & 255, Buffer.byteLength(id) >> 8]), Buffer.from(id)]);
      assert.ok(!b.includes(named) && !b.includes(Buffer.from(`"${id}"`)), `${f} still names an erased id`);
      const key = Buffer.alloc(8);
      key.writeUInt32LE(idKey(id)[0], 0);
      key.writeUInt32LE(idKey(id)[1], 4);
      assert.ok(!b.includes(key), `${f} still holds an erased id's key`);
    }
    for (const t of texts) {
      assert.ok(!b.includes(Buffer.from(contentHash(t), 'hex')), `${f} still holds an erased content hash`);
      assert.ok(!b.includes(Buffer.from(contentHash(t))), `${f} still holds an erased content hash`);
    }
  }
  assert.deepEqual(plain(loadIndexedDataset(file, index).dataset), plain(loadDataset(file)));
  // Idempotent: again, nothing to remove and nothing written.
  const st = statSync(file);
  assert.deepEqual(eraseFromDatasetFile(file, ids, index).removedLines, []);
  assert.equal(statSync(file).mtimeMs, st.mtimeMs);
});

test('erasing with a stale index (the file edited by hand) parses instead, and leaves a fresh index', () => {
  const { file, index } = setup(awkward(250));
  loadIndexedDataset(file, index);
  appendFileSync(file, '\n' + JSON.stringify({ id: 'hand', input: 'added by hand', output: 'o' }) + '\n');
  const before = readFileSync(file);
  const dup = loadDataset(file).examples.find((e) => e.multiplicity > 1)!.id;
  const ids = new Set(['x5', 'hand', dup]);
  const expected = removeExampleLines(before, file, ids);
  assert.equal(expected.removedLines.length >= 4, true);
  eraseFromDatasetFile(file, ids, index);
  assert.ok(readFileSync(file).equals(Buffer.from(expected.bytes)));
  const idx = readIndex(index, statSync(file));
  assert.ok(idx);
  assert.ok(!idx.lines.some((l) => l.id !== undefined && ids.has(l.id)));
  assert.deepEqual(idx.lines, linesOfAnalysis(analyzeBytes(readFileSync(file), file)));
});

test('by id through the index (no other block decoded): the same examples as a full load, and an erasure that leaves the same bytes and index', () => {
  const text = awkward(3 * BLOCK_LINES);
  const { file, index } = setup(text);
  loadIndexedDataset(file, index); // writes the index
  const full = loadDataset(file);
  const dupes = full.duplicates.slice(0, 3).map((d) => d.id); // plain texts repeated across blocks
  const ids = [...dupes, 'x5', 'x12000', 'last', 'no such id'];
  const got = examplesOfIds(file, index, statSync(file), ids);
  assert.ok(got);
  const plainOf = (es: readonly { id: string; input: string; output: string; multiplicity: number; lines: readonly number[] }[]) =>
    es.map((e) => ({ id: e.id, input: e.input, output: e.output, multiplicity: e.multiplicity, lines: [...e.lines] }));
  assert.deepEqual(plainOf(got), plainOf(full.examples.filter((e) => ids.includes(e.id))));
  assert.ok(
    got.some((e) => e.lines.length > 1 && e.lines[e.lines.length - 1] - e.lines[0] > BLOCK_LINES),
    'an id whose lines span blocks',
  );

  const erased = new Set(ids);
  const expected = removeExampleLines(text, file, erased);
  const { removedLines } = eraseFromDatasetFile(file, erased, index);
  assert.deepEqual(removedLines, expected.removedLines);
  assert.deepEqual(readFileSync(file), Buffer.from(expected.bytes));
  assert.deepEqual(plain(loadIndexedDataset(file, index).dataset), plain(loadDataset(file)), 'the updated index matches the file');
  assert.equal(examplesOfIds(file, index, statSync(file), ids)!.length, 0);
  appendFileSync(file, '\n');
  assert.equal(examplesOfIds(file, index, statSync(file), ids), null, 'a stale index is not used');
});

test('a look-up by id reads only the blocks its id filter points at: damage elsewhere is not read, damage there is caught', () => {
  const text = awkward(3 * BLOCK_LINES);
  const { file, index } = setup(text);
  loadIndexedDataset(file, index);
  const table = { blocks: indexTableBlocks(index)! };
  assert.equal(table.blocks.length, 4);
  const id = 'x5'; // line 2 (after the BOM line's record x0 and plain 1..4): in the first block
  const last = table.blocks[table.blocks.length - 1];
  const flip = (f: string) => {
    const b = readFileSync(join(index, f));
    b[40] ^= 1;
    writeFileSync(join(index, f), b);
  };
  flip(table.blocks[0].file);
  assert.equal(examplesOfIds(file, index, statSync(file), [id]), null, 'the block that holds the id is checked');
  flip(table.blocks[0].file); // repaired
  flip(last.file);
  const got = examplesOfIds(file, index, statSync(file), [id]);
  assert.ok(got, 'a damaged block that cannot hold the id is not read');
  assert.deepEqual(
    got.map((e) => e.input),
    [loadDataset(file).examples.find((e) => e.id === id)!.input],
  );
  assert.equal(readIndex(index, statSync(file)), null, 'a full read still checks every block');
});

test('an erasure rebuilds the id filter of the block it rewrites: the erased id is no longer a candidate there', () => {
  const text = awkward(BLOCK_LINES + 100);
  const { file, index } = setup(text);
  loadIndexedDataset(file, index);
  const filterOfFirst = () => {
    return indexTableBlocks(index)![0].filter;
  };
  const erased = ['x10', 'x15', 'x20', 'x25', 'x30'];
  for (const id of erased) assert.ok(mayHold(filterOfFirst(), idKey(id)), `${id} is in the filter before`);
  eraseFromDatasetFile(file, new Set(erased), index);
  assert.deepEqual(
    erased.filter((id) => mayHold(filterOfFirst(), idKey(id))),
    [],
    'no erased id passes the rewritten filter',
  );
  assert.ok(mayHold(filterOfFirst(), idKey('x35')), 'a kept id still does');
});

test('the byte-range rewrite through the index keeps the mode and writes through a symlink', () => {
  const { file, index } = setup(awkward(600));
  const real = file.replace(/data\.jsonl$/, 'real.jsonl');
  writeFileSync(real, readFileSync(file));
  rmSync(file);
  symlinkSync(real, file);
  chmodSync(real, 0o640);
  loadIndexedDataset(file, index);
  const expected = removeExampleLines(readFileSync(real), file, new Set(['x100', 'last']));
  assert.deepEqual(eraseFromDatasetFile(file, new Set(['x100', 'last']), index).removedLines, expected.removedLines);
  assert.ok(lstatSync(file).isSymbolicLink(), 'the link is kept');
  assert.deepEqual(readFileSync(real), Buffer.from(expected.bytes));
  assert.equal(statSync(real).mode & 0o777, 0o640);
  assert.deepEqual(
    readdirSync(join(real, '..')).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file is left',
  );
});

test('a damaged or cut table is not trusted, even one this process read before: the index is rebuilt', () => {
  const { file, index } = setup(awkward(2 * BLOCK_LINES));
  loadIndexedDataset(file, index);
  const table = join(index, 'table.bin');
  const good = readFileSync(table);
  assert.ok(readIndex(index, statSync(file)), 'read once: now in this process');
  // A flipped bit in the last block's id filter would hide its ids from a look-up (a false negative): the table's hash catches it.
  const flipped = Buffer.from(good);
  flipped[flipped.length - 3] ^= 1;
  writeFileSync(table, flipped);
  assert.equal(readIndex(index, statSync(file)), null, 'a table with a flipped filter bit is not trusted');
  assert.equal(examplesOfIds(file, index, statSync(file), ['x5']), null, 'nor used for a look-up');
  writeFileSync(table, good.subarray(0, good.length - 100));
  assert.equal(readIndex(index, statSync(file)), null, 'a cut table is not trusted');
  writeFileSync(table, good);
  assert.ok(readIndex(index, statSync(file)), 'the same bytes again are');
  writeFileSync(table, flipped);
  const rebuilt = loadIndexedDataset(file, index);
  assert.equal(rebuilt.contents, null, 'rebuilt from a full parse');
  assert.deepEqual(plain(rebuilt.dataset), plain(loadDataset(file)));
  assert.ok(readIndex(index, statSync(file)), 'the rebuilt table is trusted');
});

test('an index of the earlier JSON format is rebuilt once, and its table deleted', () => {
  const { file, index } = setup(awkward(300));
  loadIndexedDataset(file, index);
  rmSync(join(index, 'table.bin'));
  writeFileSync(join(index, 'table.json'), JSON.stringify({ format: 'erase-dataset-index/3', blocks: [] }));
  writeFileSync(join(index, 'b7.bin'), 'a block of the earlier index');
  assert.equal(readIndex(index, statSync(file)), null, 'the earlier format is not read');
  assert.equal(loadIndexedDataset(file, index).contents, null, 'rebuilt');
  const files = readdirSync(index).sort();
  assert.ok(!files.includes('table.json') && !files.includes('b7.bin'), `the earlier table and an unreferenced block are deleted (${files.join(' ')})`);
  assert.ok(loadIndexedDataset(file, index).contents, 'then read through the new table');
});
