// The data-file index keeps the file's figures (record lines, distinct ids, duplicated ids) in its
// table and each block's malformed count, so that `erase status` reports them without reading the
// other blocks. They must equal a full parse's after a build and after every erasure's byte-level
// update, and a table of the previous format (4, without them) must be rebuilt, not read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eraseFromDatasetFile, loadDataset, loadIndexedDataset } from '../../src/core/dataset/load';
import { BLOCK_LINES, indexedFileFigures, indexTableBlocks, readIndex } from '../../src/core/dataset/fileIndex';

const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * Four blocks' worth of lines: malformed lines (bad JSON, invalid UTF-8) only in the first and the
 * third block, blank lines, explicit ids, texts repeated across blocks (duplicates), a BOM, CRLF.
 */
function data(): Buffer {
  const parts: Buffer[] = [Buffer.from([0xef, 0xbb, 0xbf])];
  for (let i = 0; i < 4 * BLOCK_LINES - 40; i++) {
    const rec = i % 9 === 0 ? { id: `x${i}`, input: `explicit ${i}`, output: 'o' } : { input: `plain text ${i % 1500}`, output: 'o' };
    parts.push(Buffer.from(JSON.stringify(rec) + (i % 7 === 0 ? '\r\n' : '\n')));
    if (i === 10 || i === 2 * BLOCK_LINES + 100) parts.push(Buffer.from('{"input": broken\n'));
    if (i === 11) parts.push(Buffer.from([0x7b, 0xff, 0x7d, 0x0a]));
    if (i % 500 === 3) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

function setup(): { file: string; index: string } {
  const d = mkdtempSync(join(tmpdir(), 'erase-figures-'));
  dirs.push(d);
  writeFileSync(join(d, 'data.jsonl'), data());
  return { file: join(d, 'data.jsonl'), index: join(d, '.erase', 'dataset-index') };
}

/** What a full parse says, in the shape indexedFileFigures gives. */
function parsed(file: string) {
  const ds = loadDataset(file);
  return {
    figures: { records: ds.examples.reduce((s, e) => s + e.multiplicity, 0), distinct: ds.examples.length, duplicated: ds.duplicates.length },
    malformed: ds.malformed,
  };
}

test('the index table holds the file figures and the malformed lines of a full parse, after a build and after erasures', () => {
  const { file, index } = setup();
  loadIndexedDataset(file, index);
  const expected = parsed(file);
  assert.equal(expected.malformed.length, 3);
  assert.ok(expected.figures.duplicated > 100 && expected.figures.records > expected.figures.distinct);
  assert.deepEqual(indexedFileFigures(index, statSync(file)), expected);

  // Erasures that remove duplicated ids (lines in several blocks), explicit ids, lines before and between the malformed ones.
  const ds = loadDataset(file);
  const dup = ds.duplicates.map((d) => d.id);
  const rounds = [
    [dup[0], 'x9', 'x18'],
    [dup[5], dup[6], `x${9 * 1000}`],
    ['x0', dup[200], `x${9 * 1500}`],
  ];
  for (const ids of rounds) {
    assert.ok(eraseFromDatasetFile(file, new Set(ids), index).removedLines.length >= ids.length);
    assert.ok(readIndex(index, statSync(file)), 'updated in place, not rebuilt');
    assert.deepEqual(indexedFileFigures(index, statSync(file)), parsed(file), `after erasing ${ids.join(' ')}`);
  }
});

test('the figures read only the blocks holding a malformed line: damage elsewhere is not read, damage there is caught', () => {
  const { file, index } = setup();
  loadIndexedDataset(file, index);
  const blocks = indexTableBlocks(index)!;
  assert.equal(blocks.length, 4);
  const expected = parsed(file);
  // Blocks 2 and 4 hold no malformed line: removing their files changes nothing here.
  rmSync(join(index, blocks[1].file));
  rmSync(join(index, blocks[3].file));
  assert.deepEqual(indexedFileFigures(index, statSync(file)), expected);
  const third = join(index, blocks[2].file);
  const b = readFileSync(third);
  b[40] ^= 1;
  writeFileSync(third, b);
  assert.equal(indexedFileFigures(index, statSync(file)), null, 'a damaged block holding a malformed line is not trusted');
});

test('a table of an earlier format (4: no figures; 5: no earlier stat) is not read: the index is rebuilt', () => {
  for (const earlier of ['ERASEDT4', 'ERASEDT5']) rebuiltFrom(earlier);
});

function rebuiltFrom(magic: string): void {
  const { file, index } = setup();
  loadIndexedDataset(file, index);
  const table = join(index, 'table.bin');
  const bytes = readFileSync(table);
  bytes.write(magic, 0, 'latin1');
  writeFileSync(table, bytes);
  assert.equal(indexedFileFigures(index, statSync(file)), null);
  assert.equal(readIndex(index, statSync(file)), null);
  assert.equal(loadIndexedDataset(file, index).contents, null, 'rebuilt from a full parse');
  assert.equal(readFileSync(table).toString('latin1', 0, 8), 'ERASEDT6');
  assert.deepEqual(indexedFileFigures(index, statSync(file)), parsed(file));
  assert.ok(readdirSync(index).length === 5, 'the table and its four blocks');
}
