import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { UserError } from '../../src/core/errors';
import { importTabular, formatFromPath } from '../../src/core/dataset/tabular';
import { csvRows } from '../../src/core/dataset/delimited';
import { parseJsonl, serializeRecord } from '../../src/core/dataset/jsonl';

const DATASETS = join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets');
const haveData = existsSync(DATASETS);
const SKIP = `real data sets not found at ${DATASETS} (expected ../shared/datasets beside the repo)`;

test('TSV: columns by header name, label becomes output, a quote is literal text', () => {
  const r = importTabular('sentence\tlabel\nit is "fine" \t1\r\nbad, bad\t0\n', { format: 'tsv', header: true, textCol: 'sentence', labelCol: 'label' });
  assert.deepEqual(r.records, [
    { input: 'it is "fine" ', output: '1', label: '1' },
    { input: 'bad, bad', output: '0', label: '0' },
  ]);
  assert.deepEqual(r.recordLines, [2, 3]);
  assert.equal(r.rowsRead, 2);
  assert.deepEqual(r.problems, []);
});

test('TSV without header: 0-based indexes; rows of the wrong width are reported and left out', () => {
  const r = importTabular('a\tWorld\nb\tSports\textra\n\nc\n\td\ne\tBusiness', { format: 'tsv', textCol: 0, labelCol: 1 });
  assert.deepEqual(
    r.records.map((x) => x.input),
    ['a', 'e'],
  );
  assert.deepEqual(r.recordLines, [1, 6]);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.message]),
    [
      [2, 'row has 3 columns, expected 2'],
      [4, 'row has 1 columns, expected 2'],
      [5, 'text column is empty'],
    ],
  );
  assert.equal(r.rowsRead, 5, 'blank lines are not rows');
});

test('CSV: RFC 4180 quoting with commas, doubled quotes and line breaks inside quotes', () => {
  const csv = 'id,text,label\r\n1,"hello, world",pos\r\n2,"she said ""hi""",neg\r\n3,"two\r\nlines",pos\r\n4,plain,\r\n';
  const r = importTabular(csv, { fileName: 'x.CSV', header: true, textCol: 'text', labelCol: 'label', idCol: 'id' });
  assert.deepEqual(r.records, [
    { id: '1', input: 'hello, world', output: 'pos', label: 'pos' },
    { id: '2', input: 'she said "hi"', output: 'neg', label: 'neg' },
    { id: '3', input: 'two\nlines', output: 'pos', label: 'pos' },
    { id: '4', input: 'plain', output: '', label: '' },
  ]);
  assert.deepEqual(r.recordLines, [2, 3, 4, 6], 'a row is numbered by the line where it starts');
  assert.deepEqual(r.problems, []);
});

test('CSV: a broken row is reported and reading resumes on the next line; duplicate ids are reported', () => {
  const csv = ['t,l', '"ok",1', '"bad"x,1', 'x,"never closed', 'next,0', '"a",1,extra', 'dup,1', 'y,"unterminated'].join('\n');
  const r = importTabular(csv, { format: 'csv', header: true, textCol: 0, labelCol: 1 });
  assert.deepEqual(
    r.records.map((x) => x.input),
    ['ok', 'next', 'dup'],
  );
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.column]),
    [
      [3, 6],
      [4, 3], // the stray opening quote, not where it happened to close
      [6, 1],
      [8, 3],
    ],
  );
  for (const p of r.problems) assert.ok(!/bad|never|extra|unterminated/.test(p.message), 'a problem must not quote the row');
  assert.match(r.problems[1].message, /line 6/);
  assert.match(r.problems[3].message, /end of the file/);
  assert.equal(r.rowsRead, 7);
  const ids = importTabular('a,1\nb,1\nc,2', { format: 'csv', textCol: 0, idCol: 1 });
  assert.deepEqual(
    ids.records.map((x) => x.id),
    ['1', '2'],
  );
  assert.deepEqual(
    ids.problems.map((p) => [p.line, p.message]),
    [[2, 'duplicate id, also on line 1']],
  );
});

test('usage errors: names without header, unknown names, unknown extension', () => {
  assert.throws(() => importTabular('a\tb', { format: 'tsv', textCol: 'text' }), UserError);
  assert.throws(() => importTabular('x\ty\na\tb', { format: 'tsv', header: true, textCol: 'text' }), UserError);
  assert.throws(() => importTabular('x\ty\na\tb', { format: 'tsv', header: true, textCol: 5 }), UserError);
  assert.throws(() => importTabular('a', { textCol: 0 }), UserError);
  assert.throws(() => formatFromPath('data.txt'), UserError);
  assert.equal(formatFromPath('d/x.tsv'), 'tsv');
  assert.equal(formatFromPath('x.csv'), 'csv');
});

test('fuzz: any table written per RFC 4180 reads back field for field', () => {
  const field = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r\n', 'é', '\t'), maxLength: 8 });
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.array(field, { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom('\n', '\r\n'),
      (w, rows, nl) => {
        const table = rows.map((r) => r.slice(0, w));
        const q = (f: string): string => (/[",\n\r]/.test(f) || f === '' ? `"${f.replace(/"/g, '""')}"` : f);
        const csv = table.map((r) => r.map(q).join(',')).join(nl) + nl;
        const got = [...csvRows(csv)];
        // CR LF inside a quoted field is read as LF.
        assert.deepEqual(
          got.map((r) => ('fields' in r ? r.fields : r.error)),
          table.map((r) => r.map((f) => f.replace(/\r\n/g, '\n'))),
        );
      },
    ),
    { numRuns: 500 },
  );
});

function importFile(rel: string, header: boolean, textCol: string | number, labelCol: string | number) {
  const text = readFileSync(join(DATASETS, rel), 'utf8');
  const r = importTabular(text, { fileName: rel, header, textCol, labelCol });
  const jsonl = r.records.map(serializeRecord).join('\n') + '\n';
  return { r, text, d: parseJsonl(jsonl, rel) };
}

test('real data: SST-2 dev imports all 6,735 rows; 3 sentences appear twice', (t) => {
  if (!haveData) return t.skip(SKIP);
  const { r, d, text } = importFile('sst2/dev.tsv', true, 'sentence', 'label');
  assert.equal(r.rowsRead, 6735);
  assert.equal(r.records.length, 6735);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(new Set(r.records.map((x) => x.label)), new Set(['0', '1']));
  // Text is taken as is (trailing spaces included), so it matches the source row exactly.
  assert.equal(r.records[0].input + '\t' + r.records[0].label, text.split('\n')[1]);
  assert.equal(d.duplicates.length, 3);
  assert.ok(d.duplicates.every((x) => x.lines.length === 2));
  assert.equal(d.examples.length, 6732);
  assert.equal(
    d.examples.reduce((s, e) => s + e.multiplicity, 0),
    6735,
  );
});

test('real data: SST-2 train has the 293 duplicated sentences ALGORITHMS.md §3 cites', (t) => {
  if (!haveData) return t.skip(SKIP);
  const { r, d } = importFile('sst2/train.tsv', true, 'sentence', 'label');
  assert.equal(r.records.length, 60614);
  const count = new Map<string, number>();
  for (const x of r.records) count.set(x.input, (count.get(x.input) ?? 0) + 1);
  assert.equal([...count.values()].filter((n) => n > 1).length, 293);
  // 3 of them carry both labels, so they are different examples: 290 duplicate groups.
  assert.equal(d.duplicates.length, 290);
  assert.equal(d.examples.length, 60324);
});

test('real data: AG News dev imports all 10,001 rows with entities, quotes and backslashes intact', (t) => {
  if (!haveData) return t.skip(SKIP);
  const { r, d, text } = importFile('agnews/dev.tsv', false, 0, 1);
  assert.equal(r.rowsRead, 10001);
  assert.equal(r.records.length, 10001);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(new Set(r.records.map((x) => x.label)), new Set(['World', 'Sports', 'Business', 'Sci/Tech']));
  // Every source row is reproduced exactly by its record, and survives the JSONL round trip.
  const rows = text.split('\n').slice(0, -1);
  r.records.forEach((x, i) => assert.equal(`${x.input}\t${x.label}`, rows[i]));
  assert.ok(r.records.some((x) => x.input.includes(' #39;')));
  assert.ok(r.records.some((x) => x.input.includes('\\')));
  assert.ok(r.records.some((x) => x.input.includes('"')));
  const byInput = new Set(d.examples.map((e) => e.input));
  assert.ok(r.records.every((x) => byInput.has(x.input)));
  assert.equal(d.examples.length, 9989);
  assert.equal(d.duplicates.length, 12);
});
