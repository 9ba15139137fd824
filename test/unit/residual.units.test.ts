import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globToRegExp, makePathFilter } from '../../src/core/residual/index';
import { findInContent, isBinary } from '../../src/core/residual/match';
import { makeRedactor, prepareNeedles } from '../../src/core/residual/needles';
import { parseBatchCheck } from '../../src/core/residual/catFile';

test('glob: **, *, ? and base-name patterns', () => {
  const cases: [string, string, boolean][] = [
    ['**/node_modules/**', 'node_modules/a/b.js', true],
    ['**/node_modules/**', 'pkg/node_modules/a.js', true],
    ['**/node_modules/**', 'node_modulesx/a.js', false],
    ['src/**', 'src/a/b/c.ts', true],
    ['src/**', 'srcx/a.ts', false],
    ['src/**/*.ts', 'src/a.ts', true],
    ['src/**/*.ts', 'src/a/b/c.ts', true],
    ['src/*.ts', 'src/a/b.ts', false],
    ['*.md', 'docs/deep/readme.md', true],
    ['*.md', 'readme.mdx', false],
    ['a?c.txt', 'abc.txt', true],
    ['a?c.txt', 'a/c.txt', false],
    ['.erase/**', '.erase/cache/x.bin', true],
    ['file(1).txt', 'file(1).txt', true],
    ['file(1).txt', 'file1.txt', false],
  ];
  for (const [glob, path, want] of cases) assert.equal(globToRegExp(glob).test(path), want, `${glob} vs ${path}`);
  const f = makePathFilter(['**/*.ts'], ['test/**']);
  assert.equal(f('src/a.ts'), true);
  assert.equal(f('test/a.ts'), false);
  assert.equal(f('src/a.js'), false);
  assert.equal(makePathFilter(undefined, [])('anything'), true);
});

test('cat-file --batch-check output: names holding newlines and missing names stay aligned', () => {
  const oid = 'a'.repeat(40);
  const names = ['HEAD:two\nlines.txt', 'HEAD:gone\nname missing', 'HEAD:plain.txt'];
  // A missing name is echoed verbatim, newline and all, then " missing".
  const out = `${oid} blob 12\nHEAD:gone\nname missing missing\n${'b'.repeat(40)} blob 7\n`;
  assert.deepEqual(parseBatchCheck(out, names), [{ oid, type: 'blob', size: 12 }, undefined, { oid: 'b'.repeat(40), type: 'blob', size: 7 }]);
});

test('matcher: bytes mode finds UTF-8 text in binary, normalises ASCII whitespace, counts lines', () => {
  const { searched } = prepareNeedles(['Zoë Müller, Straße 12', 'plain words here ok'], 12);
  const buf = Buffer.concat([Buffer.from([0, 1, 10, 10]), Buffer.from('Zoë Müller,\r\n Straße 12'), Buffer.from([0, 10]), Buffer.from('plain words here ok')]);
  assert.equal(isBinary(buf), true);
  assert.deepEqual(findInContent(buf, 'bytes', searched), [
    { needleIndex: 0, line: 3, match: 'whitespace-normalised' },
    { needleIndex: 1, line: 5, match: 'exact' },
  ]);
  // text mode: a non-breaking space counts as whitespace
  assert.deepEqual(findInContent(Buffer.from('x\nZoë\u00a0Müller, Straße 12'), 'text', searched), [{ needleIndex: 0, line: 2, match: 'whitespace-normalised' }]);
  // an exact hit on a line hides a normalised one on the same line, not on others
  assert.deepEqual(findInContent(Buffer.from('plain words here ok plain  words here ok\nplain\nwords here ok'), 'text', searched), [
    { needleIndex: 1, line: 1, match: 'exact' },
    { needleIndex: 1, line: 2, match: 'whitespace-normalised' },
  ]);
});

test('needles: regex metacharacters are literal; redaction replaces text by label', () => {
  const { searched, skipped } = prepareNeedles(['a.b*c (d) [e] $f ^g', 'tiny'], 12);
  assert.deepEqual(
    skipped.map((s) => s.path),
    ['<needle #1>'],
  );
  assert.deepEqual(findInContent(Buffer.from('aXbbbc (d) [e] $f ^g'), 'text', searched), []);
  assert.deepEqual(findInContent(Buffer.from('a.b*c  (d)\n[e] $f ^g'), 'text', searched), [{ needleIndex: 0, line: 1, match: 'whitespace-normalised' }]);
  const redact = makeRedactor(searched);
  assert.equal(redact('dir/a.b*c (d) [e] $f ^g.txt'), 'dir/<needle #0>.txt');
  assert.equal(redact('dir/tiny.txt'), 'dir/tiny.txt');
});
