import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { UserError } from '../../src/core/errors';
import { decodeUtf8File } from '../../src/core/dataset/utf8';
import { importTabular } from '../../src/core/dataset/tabular';
import { checkImportTarget, importTableFile } from '../../src/core/dataset/importFile';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const userError = (re: RegExp, code?: string) => (e: unknown) => e instanceof UserError && re.test(e.message) && (code === undefined || e.code === code);

test('decodeUtf8File: invalid UTF-8 is file:line:column of the first bad byte, never repaired, never quoted', () => {
  assert.equal(decodeUtf8File(bytes('a\tb\n', 'é\t😀\n'), 'f.tsv'), 'a\tb\né\t😀\n');
  const cases: [Buffer, string][] = [
    [bytes([0xff], 'SECRET'), 'f.tsv:1:1:'],
    [bytes('ab\ncd\r\nSECRET', [0xc3, 0x28]), 'f.tsv:3:7:'], // a lead byte without its continuation
    [bytes('x\n', 'é😀', [0xe9], 'SECRET'), 'f.tsv:2:4:'], // é is 1 column, 😀 is 2 (UTF-16), then Latin-1 é
    [bytes([0xef, 0xbb, 0xbf], 'ab', [0xed, 0xa0, 0x80]), 'f.tsv:1:3:'], // after a BOM; an encoded surrogate
    [bytes('abc', [0xf0, 0x9f]), 'f.tsv:1:4:'], // truncated at the end of the file
    [bytes('abc', [0xc0, 0xaf]), 'f.tsv:1:4:'], // overlong
  ];
  for (const [b, where] of cases) {
    assert.throws(
      () => decodeUtf8File(b, 'f.tsv'),
      (e: unknown) =>
        e instanceof UserError && e.code === 'input' && e.message.startsWith(where + ' invalid UTF-8') && !e.message.includes('SECRET') && !e.message.includes('\ufffd'),
      where,
    );
  }
});

test('import: a column index past the table or a missing header name is a usage error, not an empty import', () => {
  const tsv = 'a\tb\nc\td\n';
  assert.throws(
    () => importTabular(tsv, { format: 'tsv', textCol: 2 }),
    userError(/^text column index 2 is past the last column: the first row \(line 1\) has 2 columns/, 'usage'),
  );
  assert.throws(() => importTabular(tsv, { format: 'tsv', textCol: 0, labelCol: 7 }), userError(/^label column index 7 is past/, 'usage'));
  assert.throws(
    () => importTabular(tsv, { format: 'tsv', textCol: 0, idCol: 3, header: true }),
    userError(/^id column index 3 is past the last column: the header has 2 columns/, 'usage'),
  );
  assert.throws(() => importTabular(tsv, { format: 'tsv', textCol: 'zzz', header: true }), userError(/not in the header/, 'usage'));
  // The width check uses the first readable row, after a CSV row that could not be read.
  assert.throws(() => importTabular('"x"y,1\na,b\n', { format: 'csv', textCol: 2 }), userError(/line 2\) has 2 columns/, 'usage'));
  assert.equal(importTabular(tsv, { format: 'tsv', textCol: 1 }).records.length, 2);
  assert.equal(importTabular('', { format: 'tsv', textCol: 5 }).records.length, 0, 'an empty table has no row to be out of range of');
});

test('import: --out may not be the input (same path, ./, symlink, hard link) nor a non-file; nothing is written then', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erase-imp-'));
  const input = join(dir, 't.tsv');
  writeFileSync(input, 'hello\t1\n');
  symlinkSync(input, join(dir, 'sym.tsv'));
  linkSync(input, join(dir, 'hard.tsv'));
  for (const out of [input, join(dir, '.', 't.tsv'), join(dir, 'sub', '..', 't.tsv'), join(dir, 'sym.tsv'), join(dir, 'hard.tsv')]) {
    assert.throws(() => checkImportTarget(input, out), userError(/is the input file itself/, 'usage'), out);
  }
  assert.throws(() => checkImportTarget(input, dir), userError(/is not a regular file/, 'usage'));
  assert.throws(() => checkImportTarget(input, '/dev/null'), userError(/is not a regular file/, 'usage'));
  checkImportTarget(input, join(dir, 'new.jsonl'));
  assert.throws(() => checkImportTarget('/dev/zero', join(dir, 'new.jsonl')), userError(/^the input \/dev\/zero is not a regular file/, 'usage'));
  assert.throws(() => checkImportTarget(dir, join(dir, 'new.jsonl')), userError(/is not a regular file/, 'usage'));
  assert.throws(() => importTableFile(input, join(dir, 'sym.tsv'), { format: 'tsv', textCol: 0 }), UserError);
  assert.equal(readFileSync(input, 'utf8'), 'hello\t1\n');
  importTableFile(input, join(dir, 'out.jsonl'), { format: 'tsv', textCol: 0, labelCol: 1 });
  assert.equal(readFileSync(join(dir, 'out.jsonl'), 'utf8'), '{"input":"hello","output":"1","label":"1"}\n');
});

/** RFC 4180 writer: every field quoted, inner quotes doubled. */
const csvLine = (fields: readonly string[]) => fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(',');
// No CR (a CR LF inside quotes reads as LF) and no BOM (a leading one is the file's, not the field's).
const cell = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\ufeff]/g, ''));

test('fuzz: CSV and TSV tables round-trip through import: every non-blank text comes back, in order, with its label', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(cell, cell), { maxLength: 30 }), fc.boolean(), (rows, crlf) => {
      const nl = crlf ? '\r\n' : '\n';
      const csv = rows.map((r) => csvLine(r)).join(nl) + nl;
      const got = importTabular(csv, { format: 'csv', textCol: 0, labelCol: 1 });
      const want = rows.filter(([t]) => t.trim() !== '');
      assert.deepEqual(
        got.records.map((r) => [r.input, r.label]),
        want,
      );
      assert.equal(got.rowsRead, rows.length);
      const tsvRowsOk = rows.map(([t, l]) => [t.replace(/[\t\n]/g, ' '), l.replace(/[\t\n]/g, ' ')] as const);
      const tsv = tsvRowsOk.map((r) => r.join('\t')).join(nl);
      const gotTsv = importTabular(tsv, { format: 'tsv', textCol: 0, labelCol: 1 });
      assert.deepEqual(
        gotTsv.records.map((r) => [r.input, r.label]),
        tsvRowsOk.filter(([t]) => t.trim() !== ''),
      );
    }),
    { numRuns: 1500, seed: 21 },
  );
});

const KNOWN_PROBLEM =
  /^(row has \d+ columns, expected \d+|text column is empty|id column is empty|duplicate id, also on line \d+|unexpected text after a closing quote.*|quoted field opened here .*)$/;

test('fuzz: random bytes as TSV/CSV: a clear UserError or an import whose problems are located and never quote the table', () => {
  const table = fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    fc
      .array(fc.array(fc.constantFrom('a', 'b', ' ', '"', ',', '\t', '\n', '\r\n', 'é', '😀', '""'), { maxLength: 20 }), { maxLength: 20 })
      .map((l) => Buffer.from(l.map((c) => c.join('')).join('\n'))),
  );
  const options = fc.record({
    format: fc.constantFrom('tsv' as const, 'csv' as const),
    header: fc.boolean(),
    textCol: fc.nat(3),
    labelCol: fc.option(fc.nat(3), { nil: undefined }),
    idCol: fc.option(fc.nat(3), { nil: undefined }),
  });
  fc.assert(
    fc.property(table, options, (b, opts) => {
      let text: string;
      try {
        text = decodeUtf8File(b, 'f');
      } catch (e) {
        assert.ok(e instanceof UserError && /^f:\d+:\d+: invalid UTF-8/.test(e.message), String(e));
        return;
      }
      const lines = text.split('\n').length;
      try {
        const r = importTabular(text, opts);
        if (!opts.header) assert.equal(r.records.length + r.problems.length, r.rowsRead);
        for (const p of r.problems) {
          assert.match(p.message, KNOWN_PROBLEM);
          assert.ok(p.line >= 1 && p.line <= lines && p.column >= 1, JSON.stringify(p));
        }
        for (const rec of r.records) assert.ok(rec.input.trim() !== '');
      } catch (e) {
        assert.ok(e instanceof UserError && (e.code === 'usage' || e.code === 'input'), String(e));
        assert.equal(e.message.split('\n').length, 1);
      }
    }),
    { numRuns: 3000, seed: 22 },
  );
});
