import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRequests } from '../../src/core/requests/requestsFile';
import { UserError } from '../../src/core/errors';
import { defaultDeadline, isOverdue } from '../../src/core/requests/store';
import { findMatches } from '../../src/core/workspace/matching';

const enc = (s: string) => new TextEncoder().encode(s);

test('a requests file: ids, match and regex lines, blank lines, CRLF and a BOM', () => {
  const text = '\ufeff{"requestId":"R1","requester":"dpo","ids":["a","b"]}\r\n\r\n{"match":"customer X","ignoreCase":true}\n{"regex":"acct-\\\\d+"}';
  const r = parseRequests(enc(text), 'req.jsonl');
  assert.equal(r.length, 3);
  assert.deepEqual(r[0].ids, ['a', 'b']);
  assert.equal(r[0].line, 1);
  assert.equal(r[1].match, 'customer X');
  assert.equal(r[1].line, 3);
  assert.equal(r[2].regex, 'acct-\\d+');
});

test('bad lines fail with file:line:column and never quote the line', () => {
  const cases: [string, RegExp][] = [
    ['{"ids":["x"],"match":"SECRET-TEXT-1"}', /req\.jsonl:1:1: give exactly one of/],
    ['{"match":"SECRET-TEXT-2"', /req\.jsonl:1:\d+: not valid JSON/],
    ['["SECRET-TEXT-3"]', /expected a JSON object/],
    ['{"regex":"(SECRET-TEXT-4"}', /not a valid regular expression/],
    ['{"ids":[]}', /non-empty array/],
    ['{"match":"x","SECRET-TEXT-5":1}', /unknown field/],
    ['{"match":"x"}\n{"match":"SECRET-TEXT-6",', /req\.jsonl:2:/],
  ];
  for (const [text, want] of cases) {
    assert.throws(
      () => parseRequests(enc(text), 'req.jsonl'),
      (e: Error) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, want);
        // The unknown-field case names the field (truncated), which the user wrote as a key, not content.
        if (!/unknown field/.test(e.message)) assert.ok(!/SECRET-TEXT/.test(e.message), e.message);
        return true;
      },
    );
  }
  assert.throws(() => parseRequests(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'req.jsonl'), /req\.jsonl:1:2: not valid UTF-8/);
});

test('fuzz: random bytes and random JSON never crash: a list of requests or one clear UserError', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 2000 }),
        fc.json().map(enc),
        fc.array(fc.json(), { maxLength: 8 }).map((a) => enc(a.join('\n'))),
      ),
      (bytes) => {
        try {
          const r = parseRequests(bytes, 'f.jsonl');
          for (const x of r) assert.equal([x.ids, x.match, x.regex].filter((v) => v !== undefined).length, 1);
        } catch (e) {
          assert.ok(e instanceof UserError, String(e));
          assert.match((e as Error).message, /^f\.jsonl:\d+:\d+: /);
        }
      },
    ),
    { numRuns: 3000, seed: 7 },
  );
});

test('fuzz: hostile regex fields (random regex syntax around a secret) parse at once, never quote the pattern, and match in linear time', () => {
  const piece = fc.constantFrom(
    '(',
    ')',
    '(?:',
    '(?=',
    '(?<=',
    '(?<n>',
    '\\1',
    '\\k<n>',
    'a',
    'a+',
    '+',
    '*',
    '?',
    '{2,}',
    '{1001}',
    '|',
    '.*',
    '[',
    ']',
    '[^a]',
    '\\',
    '\\d',
    '\\p{L}',
    '\\u00e9',
    '^',
    '$',
    '(a+)+',
    '(a|aa)+',
  );
  const hostile = ['a'.repeat(5000) + '!', 'SECRET'.repeat(50), 'é'.repeat(100) + '😀'];
  const examples = hostile.map((input, i) => ({ id: `e${i}`, input, output: '', multiplicity: 1, lines: [i + 1], meta: { deep: JSON.parse('['.repeat(500) + ']'.repeat(500)) } }));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), fc.array(piece, { maxLength: 12 }), fc.boolean(), (before, after, ignoreCase) => {
      const regex = before.join('') + 'SECRET' + after.join('');
      const line = JSON.stringify({ requestId: 'R', regex, ignoreCase });
      let parsed;
      try {
        parsed = parseRequests(enc(line), 'f.jsonl');
      } catch (e) {
        assert.ok(e instanceof UserError, String(e));
        assert.match(e.message, /^f\.jsonl:1:1: "regex" is not a valid regular expression: /);
        assert.ok(!e.message.includes('SECRET'), e.message);
        return;
      }
      findMatches(examples, { regex: parsed[0].regex, ignoreCase }); // a backtracking engine would hang here (test timeout)
    }),
    { numRuns: 800, seed: 8 },
  );
});

test('fuzz: structured lines with random field values, deep nesting and long strings: a list or one located UserError', () => {
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.nat(300).map((d) => JSON.parse('['.repeat(d + 1) + ']'.repeat(d + 1))),
    fc.string({ unit: 'binary', maxLength: 50 }),
  );
  const record = fc.dictionary(fc.constantFrom('requestId', 'requester', 'subjectRef', 'reason', 'ids', 'match', 'regex', 'ignoreCase', 'other'), value, { maxKeys: 4 });
  fc.assert(
    fc.property(fc.array(record, { maxLength: 6 }), (recs) => {
      const lines = recs.map((r) => JSON.stringify(r));
      try {
        const r = parseRequests(enc(lines.join('\n')), 'f.jsonl');
        assert.ok(r.length <= recs.length);
        for (const x of r) assert.equal([x.ids, x.match, x.regex].filter((v) => v !== undefined).length, 1);
      } catch (e) {
        assert.ok(e instanceof UserError, String(e));
        const m = /^f\.jsonl:(\d+):(\d+): /.exec(e.message);
        assert.ok(m && Number(m[1]) >= 1 && Number(m[1]) <= Math.max(1, lines.length), e.message);
      }
    }),
    { numRuns: 400, seed: 9 },
  );
});

test('a huge line is refused clearly', () => {
  const big = enc(`{"match":"${'x'.repeat(2 << 20)}"}`);
  assert.throws(() => parseRequests(big, 'f.jsonl'), /longer than/);
});

test('deadlines: one calendar month by default, or N days; overdue only while waiting', () => {
  assert.equal(defaultDeadline('2026-03-15T12:00:00.000Z'), '2026-04-15T12:00:00.000Z');
  assert.equal(defaultDeadline('2026-01-31T00:00:00.000Z'), '2026-02-28T00:00:00.000Z');
  assert.equal(defaultDeadline('2026-01-01T00:00:00.000Z', 10), '2026-01-11T00:00:00.000Z');
  const base = { requestId: 'r', receivedAt: '2026-01-01T00:00:00.000Z', deadline: '2026-02-01T00:00:00.000Z', match: { kind: 'ids' as const }, matchedCount: 1, history: [] };
  assert.equal(isOverdue({ ...base, status: 'matched' }, '2026-03-01T00:00:00.000Z'), true);
  assert.equal(isOverdue({ ...base, status: 'erased' }, '2026-03-01T00:00:00.000Z'), false);
  assert.equal(isOverdue({ ...base, status: 'matched' }, '2026-01-15T00:00:00.000Z'), false);
});
