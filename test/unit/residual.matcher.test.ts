import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAutomaton, forEachOutput } from '../../src/core/residual/ahoCorasick';
import { NeedleMatcher, type LineHit, type MatchMode } from '../../src/core/residual/match';
import { prepareNeedles } from '../../src/core/residual/needles';

/** All pattern ids ending at each offset, by running the automaton over the bytes. */
function runAutomaton(patterns: string[], hay: string): [number, number][] {
  const a = buildAutomaton(patterns.map((p) => Buffer.from(p)));
  const out: [number, number][] = [];
  let s = 0;
  Buffer.from(hay).forEach((b, i) => {
    s = a.next[s * a.classCount + a.classOf[b]];
    if (a.hasOutput[s]) forEachOutput(a, s, (id) => out.push([i, id]));
  });
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/** The same, by brute force. */
function naive(patterns: string[], hay: string): [number, number][] {
  const h = Buffer.from(hay);
  const out: [number, number][] = [];
  patterns.forEach((p, id) => {
    const pb = Buffer.from(p);
    for (let i = h.indexOf(pb); i !== -1; i = h.indexOf(pb, i + 1)) out.push([i + pb.length - 1, id]);
  });
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

test('automaton: overlapping, nested and shared-suffix patterns all report, as brute force does', () => {
  const patterns = ['he', 'she', 'his', 'hers', 'ushers', 'aaa', 'aa', 'a', 'she'];
  const hay = 'ushers said his aaaa hers; she, he';
  assert.deepEqual(runAutomaton(patterns, hay), naive(patterns, hay));
  assert.ok(runAutomaton(patterns, hay).length > 20);
});

test('automaton: 1,000 seeded needles in one pass find what brute force finds', () => {
  let s = 7;
  const rnd = (n: number) => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n;
  const word = () => Array.from({ length: 3 + rnd(6) }, () => 'abcdeé'[rnd(6)]).join('');
  const patterns = Array.from({ length: 1000 }, word);
  const hay = Array.from({ length: 2000 }, word).join(' ');
  const got = runAutomaton(patterns, hay);
  assert.deepEqual(got, naive(patterns, hay));
  assert.ok(got.length > 500);
});

/** Feeds the content in chunks of `size` bytes (1: every needle is split across reads). */
function chunked(m: NeedleMatcher, buf: Buffer, mode: MatchMode, size: number): LineHit[] {
  const scan = m.start(mode);
  for (let i = 0; i < buf.length; i += size) scan.feed(buf.subarray(i, i + size));
  return scan.end();
}

test('matcher: many needles, one pass, the same hits whatever the read chunks', () => {
  const texts = Array.from({ length: 300 }, (_, i) => `erased example number ${i} with its words`);
  const { searched } = prepareNeedles(texts, 12);
  const m = new NeedleMatcher(searched);
  const lines = ['nothing here', texts[7], `prefix ${texts[250]} suffix`, 'erased example number 12  with\nits words', texts[299]];
  const buf = Buffer.from(lines.join('\n'));
  const want = [
    // "…number 7 …" is not inside "…number 250 …" etc.: each line its own needle.
    { needleIndex: 7, line: 2, match: 'exact' },
    { needleIndex: 12, line: 4, match: 'whitespace-normalised' },
    { needleIndex: 250, line: 3, match: 'exact' },
    { needleIndex: 299, line: 6, match: 'exact' }, // line 4 holds a newline
  ];
  assert.deepEqual(m.scan(buf, 'text'), want);
  for (const size of [1, 2, 3, 7, 64]) assert.deepEqual(chunked(m, buf, 'text', size), want, `chunks of ${size}`);
});

test('matcher: overlapping needles (one inside another, one overlapping the next) are each found', () => {
  const { searched } = prepareNeedles(['the quick brown fox', 'quick brown fox jumps', 'brown fox jumps over'], 12);
  const m = new NeedleMatcher(searched);
  const hits = m.scan(Buffer.from('a\nthe quick brown fox jumps over it'), 'text');
  assert.deepEqual(
    hits.map((h) => [h.needleIndex, h.line, h.match]),
    [
      [0, 2, 'exact'],
      [1, 2, 'exact'],
      [2, 2, 'exact'],
    ],
  );
});

test('matcher: UTF-8 multi-byte text, and Unicode spaces split across reads, in text and byte mode', () => {
  const { searched } = prepareNeedles(['Zoë Müller, Straße 12', 'naïve café crème brûlée'], 12);
  const m = new NeedleMatcher(searched);
  // U+2028 (E2 80 A8) and U+3000 (E3 80 80) between words: whitespace in text mode only.
  const buf = Buffer.from('x\nZoë\u2028Müller,\u3000Straße 12\nnaïve café crème brûlée\n');
  const text = [
    { needleIndex: 0, line: 2, match: 'whitespace-normalised' },
    { needleIndex: 1, line: 3, match: 'exact' },
  ];
  for (const size of [1, 2, 3, 5, 1000]) assert.deepEqual(chunked(m, buf, 'text', size), text, `text, chunks of ${size}`);
  for (const size of [1, 2, 1000]) assert.deepEqual(chunked(m, buf, 'bytes', size), [text[1]], `bytes, chunks of ${size}`);
  // A lead byte of a Unicode space followed by something else is a word byte, not whitespace.
  const { searched: s2 } = prepareNeedles(['price €12 and more'], 12);
  assert.deepEqual(new NeedleMatcher(s2).scan(Buffer.from('price\u00a0€12  and\tmore'), 'text'), [{ needleIndex: 0, line: 1, match: 'whitespace-normalised' }]);
  assert.deepEqual(new NeedleMatcher(s2).scan(Buffer.from('price €12 and more'), 'text'), [{ needleIndex: 0, line: 1, match: 'exact' }]);
});

test('matcher: a normalised copy spread over lines is reported on its first line; an exact one on a line hides the normalised one there', () => {
  const { searched } = prepareNeedles(['one two three four five'], 12);
  const m = new NeedleMatcher(searched);
  const buf = Buffer.from('head\n\none\n\n two\r\nthree four\tfive\nxx one two three four five one  two three four five\n');
  for (const size of [1, 4, 1000]) {
    assert.deepEqual(chunked(m, buf, 'text', size), [
      { needleIndex: 0, line: 7, match: 'exact' },
      { needleIndex: 0, line: 3, match: 'whitespace-normalised' },
    ]);
  }
});

test('matcher: JSON-escaped forms (JSON.stringify and \\uXXXX) are exact copies; a needle holding a newline counts from its first line', () => {
  const texts = ['She said "no" \\ then\nleft', 'Zoë wrote: «ça va» ok'];
  const { searched } = prepareNeedles(texts, 12);
  const m = new NeedleMatcher(searched);
  const jsonl = [JSON.stringify({ input: texts[0] }), JSON.stringify({ input: texts[1] }), '{"input":"Zo\\u00eb wrote: \\u00ab\\u00e7a va\\u00bb ok"}'].join('\n');
  for (const size of [1, 3, 1000]) {
    assert.deepEqual(chunked(m, Buffer.from(jsonl), 'text', size), [
      { needleIndex: 0, line: 1, match: 'exact' },
      { needleIndex: 1, line: 2, match: 'exact' },
      { needleIndex: 1, line: 3, match: 'exact' },
    ]);
  }
  assert.deepEqual(m.scan(Buffer.from(`a\nb\n${texts[0]}\n`), 'text'), [{ needleIndex: 0, line: 3, match: 'exact' }]);
});
