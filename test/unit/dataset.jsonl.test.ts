import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, sha256Hex } from '../../src/core/hash';
import { UserError } from '../../src/core/errors';
import { formatMalformed, parseJsonl, parseJsonlBytes, removeExampleLines, serializeRecord } from '../../src/core/dataset/jsonl';
import { findJsonSyntaxError } from '../../src/core/dataset/jsonSyntax';

const bytes = (...parts: (string | number[])[]): Uint8Array => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));
const str = (b: Uint8Array): string => Buffer.from(b).toString('latin1'); // byte-transparent view

test('the three record shapes give input and output', () => {
  const d = parseJsonl(
    [
      '{"input":"good film","output":"positive"}',
      '{"prompt":"2+2=","completion":"4"}',
      '{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"},{"role":"assistant","content":"a1"},{"role":"user","content":"again"},{"role":"assistant","content":"a2"},{"role":"user","content":"after"}]}',
      '{"messages":[{"role":"user","content":"no answer yet"}],"label":"x"}',
    ].join('\n'),
    'd.jsonl',
  );
  assert.deepEqual(d.malformed, []);
  assert.deepEqual(
    d.examples.map((e) => [e.input, e.output]),
    [
      ['good film', 'positive'],
      ['2+2=', '4'],
      // user/system turns before the last assistant turn; earlier assistant turns are not input
      ['be brief\nhi\nagain', 'a2'],
      ['no answer yet', 'x'],
    ],
  );
});

test('optional fields: id (string or integer), label (string or number), meta; output defaults to label, else empty', () => {
  const d = parseJsonl(
    [
      '{"id":"a","input":"x","label":1,"meta":{"src":[1,2]}}',
      '{"id":7,"input":"y","output":"","label":"pos"}',
      '{"input":"z"}',
      '{"id":null,"input":"w","label":null,"output":null}',
    ].join('\n'),
    'd.jsonl',
  );
  assert.deepEqual(d.malformed, []);
  const [a, b, c, w] = d.examples;
  assert.equal(a.id, 'a');
  assert.equal(a.label, '1');
  assert.equal(a.output, '1');
  assert.deepEqual(a.meta, { src: [1, 2] });
  assert.equal(b.id, '7');
  assert.equal(b.output, '', 'an explicit empty output is kept, not replaced by the label');
  assert.equal(b.label, 'pos');
  assert.equal(c.output, '');
  assert.equal(c.label, undefined);
  assert.equal(c.id, sha256Hex(canonicalJson({ input: 'z' })));
  assert.equal(w.output, '');
  assert.equal('meta' in c, false);
});

test('duplicate explicit ids are an error naming the file and both lines, without quoting the id', () => {
  const text = '{"id":"alice@example.com","input":"a"}\n\n{"id":"b","input":"b"}\n{"id":"alice@example.com","input":"other"}\n';
  assert.throws(
    () => parseJsonl(text, 'data/x.jsonl'),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /data\/x\.jsonl:4/);
      assert.match(e.message, /line 1\b/);
      assert.ok(!e.message.includes('alice'));
      return true;
    },
  );
  // An integer id and the same digits as a string are the same id.
  assert.throws(() => parseJsonl('{"id":5,"input":"a"}\n{"id":"5","input":"b"}', 'f'), UserError);
  // Identical lines with the same explicit id are still two claims on one id.
  assert.throws(() => parseJsonl('{"id":"q","input":"a"}\n{"id":"q","input":"a"}', 'f'), UserError);
});

test('identical content without id is one example with a multiplicity, whatever the key order and spacing', () => {
  const d = parseJsonl(
    [
      '{"input":"same","label":"1"}',
      '{"input":"other"}',
      '  { "label" : "1",   "input":"same" }  ',
      '{"input":"same","label":1}', // a number label is different content
      '{"label":"1","input":"same"}\r',
    ].join('\n'),
    'f',
  );
  assert.equal(d.examples.length, 3);
  const same = d.examples[0];
  assert.equal(same.multiplicity, 3);
  assert.deepEqual(same.lines, [1, 3, 5]);
  assert.equal(same.id, sha256Hex('{"input":"same","label":"1"}'));
  assert.deepEqual(d.duplicates, [{ id: same.id, lines: [1, 3, 5] }]);
  assert.deepEqual(
    d.examples.map((e) => e.lines[0]),
    [1, 2, 4],
    'examples are ordered by first line',
  );
});

test('malformed lines are reported with line and column and the message never quotes the line', () => {
  const secret = 'SECRETXYZ';
  const lines = [
    `{"input":"${secret}",}`, // 1: trailing comma → col of '}'
    '   ', // 2: blank, skipped
    `${secret}`, // 3: not JSON
    `["${secret}"]`, // 4: not an object
    `{"output":"${secret}"}`, // 5: missing input
    `{"input":"${secret}","label":true}`, // 6: bad label type
    `{"input":"  "}`, // 7: empty input
    `{"input":"${secret}","prompt":"${secret}"}`, // 8: two shapes
    `{"messages":[{"role":"user","content":["${secret}"]}]}`, // 9: content not a string
    `{"input":"${secret}\\q"}`, // 10: bad escape
    `{"input":"${secret}"} ${secret}`, // 11: trailing text
    `{"input":"${secret}`, // 12: unterminated string
    `{"id":1.5,"input":"${secret}"}`, // 13: non-integer id
    '', // 14: empty
    `{"input":"${secret}"}`, // 15: fine
  ];
  const d = parseJsonl(lines.join('\r\n'), 'f.jsonl');
  assert.deepEqual(
    d.malformed.map((m) => [m.line, m.column]),
    [
      [1, 22],
      [3, 1],
      [4, 1],
      [5, 1],
      [6, 1],
      [7, 1],
      [8, 1],
      [9, 1],
      [10, 20],
      [11, 23],
      [12, 10],
      [13, 1],
    ],
  );
  for (const m of d.malformed) {
    assert.ok(!m.message.includes(secret), `message of line ${m.line} leaks the content: ${m.message}`);
    assert.ok(m.message.length > 0);
  }
  assert.equal(d.examples.length, 1);
  assert.deepEqual(d.examples[0].lines, [15]);
  assert.equal(formatMalformed('f.jsonl', d.malformed[0]), `f.jsonl:1:22: ${d.malformed[0].message}`);
});

test('BOM and CRLF: line 1 parses, columns do not count the BOM', () => {
  const d = parseJsonl('\ufeff{"input":"a"}\r\n{"input" "b"}\r\n', 'f');
  assert.equal(d.examples.length, 1);
  assert.deepEqual(
    d.malformed.map((m) => [m.line, m.column]),
    [[2, 10]],
  );
  const b = parseJsonlBytes(bytes([0xef, 0xbb, 0xbf], '{"input":"a"}\r\n{"input" "b"}\r\n'), 'f');
  assert.deepEqual(b, d);
});

test('bytes: an invalid UTF-8 line is malformed (with the column of the bad byte), not repaired', () => {
  const d = parseJsonlBytes(bytes('{"input":"a"}\n{"input":"é', [0xc3, 0x28], '"}\n{"input":"', [0xed, 0xa0, 0x80], '"}\n{"input":"ok"}'), 'f');
  assert.deepEqual(d.malformed, [
    { line: 2, column: 12, message: 'invalid UTF-8' },
    { line: 3, column: 11, message: 'invalid UTF-8' }, // encoded surrogate
  ]);
  assert.deepEqual(
    d.examples.map((e) => e.input),
    ['a', 'ok'],
  );
});

test('the syntax locator agrees with JSON.parse on a table of edge cases', () => {
  const cases = [
    '{}',
    '[]',
    '0',
    '-0',
    '-',
    '01',
    '1.',
    '1.5e',
    '1e+5',
    '"\\u12"',
    '"\\u12ab"',
    '"\t"',
    'tru',
    'true',
    'nul',
    '{"a":1,}',
    '[1,]',
    '{"a" 1}',
    '{1:2}',
    '[1 2]',
    '  {"a":[{"b":null}]}  ',
    '{"a":"\\/"}',
    '"',
    '\\',
    '{"a":1}}',
    '[[[',
    ']',
  ];
  for (const c of cases) {
    let ok = true;
    try {
      JSON.parse(c);
    } catch {
      ok = false;
    }
    assert.equal(findJsonSyntaxError(c) === undefined, ok, c);
  }
});

test('removeExampleLines drops every copy of the ids and keeps all other bytes exactly', () => {
  const src = bytes(
    [0xef, 0xbb, 0xbf],
    '{"input":"erase me"}\r\n', // 1
    'garbage line\n', // 2 malformed
    '\n', // 3 blank
    '{"id":"k","input":"keep"}\r\n', // 4
    '{"input":"bad ',
    [0xff],
    '"}\n', // 5 invalid UTF-8
    '  {"input" : "erase me"}\n', // 6 same content as 1
    '{"id":"gone","input":"x"}\n', // 7
    '{"input":"last, no newline"}', // 8
  );
  const d = parseJsonlBytes(src, 'f');
  const eraseId = d.examples.find((e) => e.input === 'erase me')!.id;
  const r = removeExampleLines(src, 'f', new Set([eraseId, 'gone', 'not-in-file']));
  assert.deepEqual(r.removedLines, [1, 6, 7]);
  assert.equal(
    str(r.bytes),
    str(bytes([0xef, 0xbb, 0xbf], 'garbage line\n', '\n', '{"id":"k","input":"keep"}\r\n', '{"input":"bad ', [0xff], '"}\n', '{"input":"last, no newline"}')),
  );
  // Erasing the last line (no newline): the new last line keeps its own newline.
  const last = d.examples.find((e) => e.input === 'last, no newline')!.id;
  assert.equal(str(removeExampleLines(src, 'f', new Set([last])).bytes), str(src).slice(0, str(src).lastIndexOf('\n') + 1));
  // Nothing to erase: same content back.
  const none = removeExampleLines(src, 'f', new Set(['nope']));
  assert.deepEqual(none.removedLines, []);
  assert.equal(str(none.bytes), str(src));
  // Erasing line 1 keeps the BOM at the start of the file.
  const r1 = removeExampleLines(bytes([0xef, 0xbb, 0xbf], '{"id":"a","input":"a"}\n{"id":"b","input":"b"}\n'), 'f', new Set(['a']));
  assert.equal(str(r1.bytes), str(bytes([0xef, 0xbb, 0xbf], '{"id":"b","input":"b"}\n')));
});

test('serializeRecord writes one parseable line in a fixed key order and round-trips odd text', () => {
  const odd = 'It #39;s a \\ backslash, a "quote", a tab\there, a line\u2028separator and a newline\nin text';
  const line = serializeRecord({ input: odd, output: '1', label: '1' });
  assert.equal(line.includes('\n'), false);
  assert.equal(line.includes('\u2028'), false);
  assert.ok(line.startsWith('{"input":'));
  const d = parseJsonl(line + '\n', 'f');
  assert.equal(d.examples[0].input, odd);
  assert.equal(serializeRecord({ id: 'x', input: 'a', meta: { k: 1 } }), '{"id":"x","input":"a","meta":{"k":1}}');
});
