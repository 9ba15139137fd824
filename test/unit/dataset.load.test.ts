import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors';
import { eraseFromDatasetFile, loadDataset } from '../../src/core/dataset/load';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'erase-dataset-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const content = Buffer.concat([
  Buffer.from('{"id":"a","input":"alpha"}\r\n'),
  Buffer.from('{"input":"bad \xff"}\n', 'latin1'),
  Buffer.from('{"id":"b","input":"beta"}\n'),
  Buffer.from('{"input":"c"}'),
]);

test('loadDataset reads bytes: invalid UTF-8 is reported as malformed', (t) => {
  const f = join(tmp(t), 'd.jsonl');
  writeFileSync(f, content);
  const d = loadDataset(f);
  assert.equal(d.file, f);
  assert.deepEqual(
    d.examples.map((e) => e.input),
    ['alpha', 'beta', 'c'],
  );
  assert.deepEqual(
    d.malformed.map((m) => [m.line, m.message]),
    [[2, 'invalid UTF-8']],
  );
});

test('a missing data file is a UserError', (t) => {
  const dir = tmp(t);
  assert.throws(() => loadDataset(join(dir, 'nope.jsonl')), UserError);
  assert.throws(() => loadDataset(dir), UserError);
  assert.throws(() => eraseFromDatasetFile(join(dir, 'nope.jsonl'), new Set(['a'])), UserError);
});

test('eraseFromDatasetFile rewrites the file without the lines, keeps other bytes and the mode, and is idempotent', (t) => {
  const f = join(tmp(t), 'd.jsonl');
  writeFileSync(f, content);
  chmodSync(f, 0o664);
  const r = eraseFromDatasetFile(f, new Set(['a', 'b']));
  assert.deepEqual(r.removedLines, [1, 3]);
  assert.equal(readFileSync(f).toString('latin1'), '{"input":"bad \xff"}\n{"input":"c"}');
  assert.equal(statSync(f).mode & 0o777, 0o664);
  // Nothing left to erase: the file is not written at all (same inode, same time stamp).
  const before = statSync(f);
  assert.deepEqual(eraseFromDatasetFile(f, new Set(['a', 'b'])).removedLines, []);
  const after = statSync(f);
  assert.equal(after.ino, before.ino);
  assert.equal(after.mtimeMs, before.mtimeMs);
});

test('eraseFromDatasetFile writes through a symlink and keeps the link', (t) => {
  const dir = tmp(t);
  const real = join(dir, 'real.jsonl');
  const link = join(dir, 'link.jsonl');
  writeFileSync(real, content);
  symlinkSync(real, link);
  assert.deepEqual(eraseFromDatasetFile(link, new Set(['a'])).removedLines, [1]);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.ok(!readFileSync(real).toString('latin1').includes('alpha'));
});

test('duplicate explicit ids stop an erasure before anything is written', (t) => {
  const f = join(tmp(t), 'd.jsonl');
  const text = '{"id":"a","input":"x"}\n{"id":"a","input":"y"}\n';
  writeFileSync(f, text);
  assert.throws(() => eraseFromDatasetFile(f, new Set(['a'])), /d\.jsonl:2: duplicate id, also used on line 1/);
  assert.equal(readFileSync(f, 'utf8'), text);
});
