import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkUserPattern, compileUserPattern, MAX_PATTERN_LENGTH, translateJsEscapes } from '../../src/core/regex';
import { UserError } from '../../src/core/errors';
import { findMatches } from '../../src/core/workspace/matching';
import { parseRequests } from '../../src/core/requests/requestsFile';
import { EraseWorkspace } from '../../src/core/workspace';
import { receiveRequest } from '../../src/core/workspace/requests';
import type { Example } from '../../src/core/dataset/types';

/** Patterns that take exponential (or high polynomial) time in a backtracking engine such as V8's. */
const CATASTROPHIC: readonly [string, string][] = [
  ['^(a+)+$', 'a'.repeat(40) + '!'],
  ['^(a|aa)+$', 'a'.repeat(60) + '!'],
  ['^(a|a?)+$', 'a'.repeat(60) + '!'],
  ['(x+x+)+y', 'x'.repeat(5000)],
  ['^(\\w+\\s?)*$', 'word '.repeat(30) + '!'],
  ['^(.*a){25}$', 'a'.repeat(5000) + 'b'],
  ['^(([a-z])+.)+[A-Z]([a-z])+$', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'],
];

/**
 * Runs a check that would hang on a backtracking engine. No timing is asserted (machines differ):
 * each test has a generous timeout, so a hang becomes a failure instead of a stuck run.
 */
const within = (_ms: number, f: () => void): void => {
  f();
};

const ex = (id: string, input: string, meta?: unknown): Example => ({ id, input, output: '', multiplicity: 1, lines: [1], ...(meta !== undefined ? { meta } : {}) });

test('catastrophic patterns run in linear time and give the right answer', { timeout: 60_000 }, () => {
  for (const [pattern, text] of CATASTROPHIC) {
    const re = compileUserPattern(pattern);
    within(1000, () => assert.equal(re.test(text), false, pattern));
  }
  // The same patterns still match where they should.
  assert.equal(compileUserPattern('^(a+)+$').test('aaaa'), true);
  assert.equal(compileUserPattern('(x+x+)+y').test('xxy'), true);
  // A megabyte of text against the classic one stays linear.
  within(3000, () => assert.equal(compileUserPattern('^(a+)+$').test('a'.repeat(1 << 20) + '!'), false));
});

test('lookaround and backreferences are refused with a reason that never quotes the pattern', () => {
  const cases: [string, RegExp][] = [
    ['SECRET(?=x)', /lookahead and lookbehind/],
    ['SECRET(?!x)', /lookahead and lookbehind/],
    ['(?<=SECRET)x', /lookahead and lookbehind/],
    ['(?<!SECRET)x', /lookahead and lookbehind/],
    ['(SECRET)\\1', /backreferences/],
    ['(?<n>SECRET)\\k<n>', /backreferences/],
    ['(SECRET', /missing closing \)/],
    ['SECRET{2,1}', /repeat count/],
    ['SECRET{1001}', /repeat count/],
    ['SECRET**', /nested repetition/],
    ['[SECRET', /missing closing \]/],
    ['SECRET\\', /trailing backslash/],
    ['(' + 'SECRET|'.repeat(2000) + ')', /longer than/],
    ['('.repeat(1200) + 'SECRET' + ')'.repeat(1200), /nests more than 1000 levels/],
    ['[\\p{L}\\p{N}]{1000}'.repeat(11) + 'SECRET', /too large/],
  ];
  for (const [pattern, want] of cases) {
    const c = checkUserPattern(pattern);
    assert.equal(c.ok, false, pattern.slice(0, 40));
    if (!c.ok) {
      assert.match(c.reason, want);
      assert.ok(!c.reason.includes('SECRET'), c.reason);
    }
    assert.throws(
      () => compileUserPattern(pattern),
      (e: unknown) => e instanceof UserError && e.code === 'usage' && /^invalid regular expression: .*RE2 dialect/.test(e.message) && !e.message.includes('SECRET'),
    );
  }
  assert.ok(MAX_PATTERN_LENGTH >= 1000);
  assert.equal(checkUserPattern('').ok, false);
});

test('ignoreCase and Unicode: code points, simple case folding, classes; ^ $ . as in a JavaScript u regex', () => {
  const t = (p: string, s: string, i = false) => compileUserPattern(p, i).test(s);
  assert.equal(t('ÉCOLE', 'une école'), false);
  assert.equal(t('ÉCOLE', 'une école', true), true);
  assert.equal(t('σοφία', 'ΣΟΦΊΑ', true), true);
  assert.equal(t('k', '\u212a', true), true, 'Kelvin sign folds to k');
  assert.equal(t('ACCT-\\d+', 'acct-42', true), true);
  assert.equal(t('(?i)acct', 'ACCT'), true, 'inline flags work');
  assert.equal(t('^.$', '😀'), true, '. is one code point, not one UTF-16 unit');
  assert.equal(t('^\\p{L}+$', 'Ωmega'), true);
  assert.equal(t('^\\p{Greek}+$', 'λόγος'), true);
  assert.equal(t('\\d', '٣'), false, '\\d is ASCII digits, as in JavaScript');
  assert.equal(t('^abc$', 'x\nabc\ny'), false, '^ and $ anchor the whole text');
  assert.equal(t('(?m)^abc$', 'x\nabc\ny'), true);
  assert.equal(t('a.c', 'a\nc'), false);
  assert.equal(t('caf\\u00e9', 'café'), true, 'JavaScript \\u escapes are understood');
  assert.equal(t('\\u{1F600}|\\uD83D\\uDE00', '😀'), true);
  assert.equal(translateJsEscapes('\\\\u0041'), '\\\\u0041', 'an escaped backslash is not a \\u escape');
  assert.equal(t('\\\\u0041', 'a\\u0041'), true);
});

test('findMatches uses the linear engine; a refused pattern is a usage error', () => {
  const examples = [ex('a', 'a'.repeat(40) + '!'), ex('b', 'aaaa'), ex('c', 'meta only', { note: 'aaaaa' })];
  within(1000, () =>
    assert.deepEqual(
      findMatches(examples, { regex: '^(a+)+$' }).map((e) => e.id),
      ['b'],
    ),
  );
  assert.deepEqual(
    findMatches(examples, { regex: '"note":"(a+)+"', fields: ['meta'] }).map((e) => e.id),
    ['c'],
  );
  assert.throws(
    () => findMatches(examples, { regex: '(a)\\1' }),
    (e: unknown) => e instanceof UserError && e.code === 'usage',
  );
});

test('a requests file with a catastrophic regex parses at once; a lookahead is refused with file:line:column', { timeout: 60_000 }, () => {
  const text = `{"requestId":"R1","regex":"^(a+)+$"}\n{"regex":"SECRET(?=x)"}\n`;
  assert.throws(
    () => parseRequests(new TextEncoder().encode(text), 'req.jsonl'),
    (e: unknown) => e instanceof UserError && /^req\.jsonl:2:1: "regex" is not a valid regular expression: lookahead/.test(e.message) && !e.message.includes('SECRET'),
  );
  const [r] = parseRequests(new TextEncoder().encode(`{"requestId":"R1","regex":"^(a+)+$"}`), 'req.jsonl');
  within(1000, () =>
    assert.deepEqual(
      findMatches([ex('a', 'a'.repeat(40) + '!'), ex('b', 'aa')], { regex: r.regex }).map((e) => e.id),
      ['b'],
    ),
  );
});

test('receiveRequest (the webview form and `request add`) matches a catastrophic regex in linear time', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'erase-regex-'));
  const file = join(dir, 'data.jsonl');
  const lines = [JSON.stringify({ input: 'a'.repeat(40) + '!', output: 'x' }), JSON.stringify({ input: 'aaaa', output: 'y' }), JSON.stringify({ input: 'other', output: 'z' })];
  writeFileSync(file, lines.join('\n') + '\n');
  const ws = EraseWorkspace.init(file, { k: 2 });
  const { preview } = await receiveRequest(ws, { requester: 'dpo', match: { kind: 'regex', value: '^(a+)+$', ignoreCase: false } });
  assert.deepEqual(
    preview.map((e) => e.input),
    ['aaaa'],
  );
  await assert.rejects(receiveRequest(ws, { match: { kind: 'regex', value: '(?<=a)b', ignoreCase: true } }), (e: unknown) => e instanceof UserError && e.code === 'usage');
});
