import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiteralMatcher } from '../../src/core/residual/literal';
import { matcherFor, NeedleMatcher, type ContentMatcher, type LineHit, type MatchMode } from '../../src/core/residual/match';
import { prepareNeedles } from '../../src/core/residual/needles';

// The literal (indexOf) matcher must report exactly what the Aho–Corasick automaton reports, for
// any needles, any content and any read chunks: both are compared here on seeded random input.

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % n;
}

/** Words from a small alphabet (so copies and near-copies collide), with multi-byte and JSON-escaped characters. */
const LETTERS = ['a', 'b', 'c', 'ab', 'é', '€', '"', '\\', 'Z'];
/** Whitespace as a copy may space a text: ASCII, Unicode spaces (U+00A0, U+2028, U+3000, U+FEFF), newlines. */
const SPACES = [' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2028', '\u3000', '\ufeff', ' \n '];
/** Near-whitespace that is not: a Unicode space's lead byte then something else, U+200B. */
const NOISE = ['\u200b', '\u2030', 'x', '\0', '{"input":"', '"}\n', '\\u00e9'];

function word(r: (n: number) => number): string {
  return Array.from({ length: 1 + r(4) }, () => LETTERS[r(LETTERS.length)]).join('');
}

function needle(r: (n: number) => number): string {
  const words = Array.from({ length: 1 + r(5) }, () => word(r));
  const lead = r(4) === 0 ? ' ' : '';
  return lead + words.join(r(3) === 0 ? '  ' : ' ') + (r(5) === 0 ? '\t' : '');
}

/** A content holding exact, re-spaced, JSON-escaped and truncated copies among noise. */
function haystack(r: (n: number) => number, needles: readonly string[]): Buffer {
  const parts: string[] = [];
  for (let i = 0, n = 5 + r(30); i < n; i++) {
    const t = needles[r(needles.length)];
    switch (r(7)) {
      case 0:
        parts.push(t);
        break;
      case 1:
        parts.push(t.trim().split(/\s+/).join(SPACES[r(SPACES.length)]));
        break;
      case 2:
        parts.push(JSON.stringify(t).slice(1, -1));
        break;
      case 3:
        parts.push(t.slice(0, r(t.length + 1)));
        break;
      case 4:
        parts.push(word(r));
        break;
      case 5:
        parts.push(SPACES[r(SPACES.length)]);
        break;
      default:
        parts.push(NOISE[r(NOISE.length)]);
    }
  }
  const buf = Buffer.from(parts.join(''));
  // A few raw bytes that no string holds: stray continuation bytes, a cut Unicode space.
  if (r(3) === 0) {
    const at = r(buf.length + 1);
    return Buffer.concat([buf.subarray(0, at), Buffer.from([[0x80], [0xe2, 0x80], [0xc2], [0xe3, 0x80, 0xe3, 0x80, 0x80]][r(4)]), buf.subarray(at)]);
  }
  return buf;
}

/** Feeds the content in random-sized reads (1 byte up to the whole). */
function scanInReads(m: ContentMatcher, buf: Buffer, mode: MatchMode, r: (n: number) => number, maxRead: number): LineHit[] {
  const s = m.start(mode);
  for (let i = 0; i < buf.length; ) {
    const n = 1 + r(maxRead);
    s.feed(buf.subarray(i, i + n));
    i += n;
  }
  return s.end();
}

test('literal matcher: the same hits as the automaton on 2,000 random needle sets, contents and read boundaries, in both modes', () => {
  const r = rng(2024);
  let hits = 0;
  let normalised = 0;
  for (let round = 0; round < 2000; round++) {
    const texts = Array.from({ length: 1 + r(4) }, () => needle(r));
    const { searched } = prepareNeedles(texts, 1 + r(8));
    if (searched.length === 0) continue;
    const automaton = new NeedleMatcher(searched);
    const literal = new LiteralMatcher(searched, () => automaton);
    // Searched in batches of a few bytes, so batch boundaries fall everywhere (the default batch is 1 MiB).
    const batchBytes = 1 + r(16);
    const tinyBatches = new LiteralMatcher(searched, () => automaton, batchBytes);
    const buf = haystack(r, texts);
    for (const mode of ['text', 'bytes'] as const) {
      const want = automaton.scan(buf, mode);
      const ctx = `round ${round}, ${mode}: ${JSON.stringify(texts)} in ${JSON.stringify(buf.toString('latin1'))}`;
      assert.deepEqual(literal.scan(buf, mode), want, ctx);
      assert.deepEqual(scanInReads(literal, buf, mode, r, 1 + r(12)), want, `${ctx} (reads)`);
      assert.deepEqual(scanInReads(tinyBatches, buf, mode, r, 1 + r(12)), want, `${ctx} (reads, batches of ${batchBytes} bytes)`);
      hits += want.length;
      normalised += want.filter((h) => h.match === 'whitespace-normalised').length;
    }
  }
  // The comparison means something only if both kinds of hit are common.
  assert.ok(hits > 3000 && normalised > 700, `${hits} hits, ${normalised} normalised`);
});

test('literal matcher: a copy split at every possible read boundary is found once, on its first line', () => {
  const texts = ['the quick  brown fox jumps', 'Zoë\u00a0Müller, Straße 12'];
  const { searched } = prepareNeedles(texts, 12);
  const automaton = new NeedleMatcher(searched);
  const literal = new LiteralMatcher(searched, () => automaton);
  const tinyBatches = new LiteralMatcher(searched, () => automaton, 1);
  const buf = Buffer.from(`head\n${texts[0]}\nx the quick\n brown\u3000fox jumps\n${texts[1]}\nZoë Müller,\u2028Straße 12\n`);
  const want = automaton.scan(buf, 'text');
  assert.equal(want.length, 4);
  for (let a = 1; a < buf.length; a++) {
    for (const b of [a + 1, a + 7, buf.length]) {
      const s = (b === buf.length ? literal : tinyBatches).start('text');
      s.feed(buf.subarray(0, a));
      s.feed(buf.subarray(a, b));
      s.feed(buf.subarray(b));
      assert.deepEqual(s.end(), want, `reads split at ${a} and ${b}`);
    }
  }
});

test('literal matcher: periodic content built against a needle hands over to the automaton, with the same hits', () => {
  const text = 'aa aa aa aa aa aa aa';
  const { searched } = prepareNeedles([text], 12);
  let built = 0;
  const literal = new LiteralMatcher(searched, () => (built++, new NeedleMatcher(searched)));
  // The anchor "aa" 20,000 times on line 2, a copy on lines 1 and 3: the automaton must see what came before the hand-over too.
  const buf = Buffer.from(`${text}\n${'aa,'.repeat(20_000)}\n${'aa\t'.repeat(7)}\n`);
  const want = new NeedleMatcher(searched).scan(buf, 'text');
  assert.deepEqual(want, [
    { needleIndex: 0, line: 1, match: 'exact' },
    { needleIndex: 0, line: 3, match: 'whitespace-normalised' },
  ]);
  assert.deepEqual(scanInReads(literal, buf, 'text', rng(5), 4096), want);
  assert.equal(built, 1, 'the automaton took over');
});

test('literal matcher: 64 KiB reads (a pipe from git) are searched in MiB batches, with the same hits', () => {
  const text = 'a needle of plain text';
  const { searched } = prepareNeedles([text], 12);
  const literal = new LiteralMatcher(searched, () => new NeedleMatcher(searched));
  // 8 MiB in 128 reads of 64 KiB; copies across read boundaries and at the very end.
  const line = Buffer.from(`${'x'.repeat(65_530)}${text}\n`);
  const buf = Buffer.concat([...Array.from({ length: 127 }, () => line), Buffer.from(`${'y'.repeat(100)}\n${text}`)]);
  const s = literal.start('text') as ReturnType<LiteralMatcher['start']> & { searches: number };
  for (let i = 0; i < buf.length; i += 65_536) s.feed(buf.subarray(i, i + 65_536));
  const hits = s.end();
  assert.deepEqual(hits, new NeedleMatcher(searched).scan(buf, 'text'));
  assert.equal(hits.length, 128);
  assert.ok(s.searches <= 9, `${s.searches} search passes for 128 reads`);
});

test('matcherFor: literal search for a few needles, the automaton for many', () => {
  const few = prepareNeedles(['one needle of plain text', 'and another plain one'], 12).searched;
  // 30 texts, each with a word of its own (its anchor): 60 literals.
  const many = prepareNeedles(
    Array.from({ length: 30 }, (_, i) => `unusual${i}word in a needle`),
    12,
  ).searched;
  assert.ok(matcherFor(few) instanceof LiteralMatcher);
  assert.ok(matcherFor(many) instanceof NeedleMatcher);
});
