import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, sha256Hex } from '../../src/core/hash';
import { UserError } from '../../src/core/errors';
import { parseJsonl, parseJsonlBytes, removeExampleLines } from '../../src/core/dataset/jsonl';
import { findJsonSyntaxError } from '../../src/core/dataset/jsonSyntax';
import { firstInvalidUtf8 } from '../../src/core/dataset/utf8';

/** Naive oracle for "line N with its terminator": everything up to and including each LF. */
function naiveSegments(b: Uint8Array): { bom: number; segs: Uint8Array[] } {
  const bom = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const segs: Uint8Array[] = [];
  let start = bom;
  for (let i = bom; i < b.length; i++) {
    if (b[i] === 0x0a) {
      segs.push(b.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < b.length) segs.push(b.subarray(start));
  return { bom, segs };
}

const concat = (parts: Uint8Array[]): Buffer => Buffer.concat(parts);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Keeps the BOM and the segments whose 1-based number is not in `removed`. */
function expectedAfterRemoval(b: Uint8Array, removed: readonly number[]): Buffer {
  const { bom, segs } = naiveSegments(b);
  const gone = new Set(removed);
  return concat([b.subarray(0, bom), ...segs.filter((_, i) => !gone.has(i + 1))]);
}

function parseOrUserError(b: Uint8Array) {
  try {
    return parseJsonlBytes(b, 'fuzz.jsonl');
  } catch (e) {
    assert.ok(e instanceof UserError, `only a UserError may escape, got ${String(e)}`);
    return undefined;
  }
}

test('fuzz: random bytes never crash, and erasing any subset keeps every other line byte for byte', () => {
  const noisyBytes = fc.array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom(...['\n', '\r\n', '\r', '{', '}', '"', ':', ',', '{"input":"', '"}', '{"id":1,"input":"x"}', '\ufeff'].map((s) => new Uint8Array(Buffer.from(s)))),
      fc.constant(new Uint8Array([0xef, 0xbb, 0xbf])),
    ),
    { maxLength: 30 },
  );
  fc.assert(
    fc.property(noisyBytes, fc.infiniteStream(fc.boolean()), (parts, coin) => {
      const b = new Uint8Array(Buffer.concat(parts));
      const d = parseOrUserError(b);
      if (!d) return;
      for (const m of d.malformed) assert.ok(m.line >= 1 && m.column >= 1);
      const erase = new Set(d.examples.filter(() => coin.next().value).map((e) => e.id));
      const r = removeExampleLines(b, 'fuzz.jsonl', erase);
      const expectLines = d.examples
        .filter((e) => erase.has(e.id))
        .flatMap((e) => e.lines)
        .sort((x, y) => x - y);
      assert.deepEqual(r.removedLines, expectLines);
      assert.equal(hex(r.bytes), hex(expectedAfterRemoval(b, expectLines)));
    }),
    { numRuns: 400 },
  );
});

/** One generated line: what it is, its bytes without terminator, and its expected id if valid. */
interface GenLine {
  readonly kind: 'record' | 'dup' | 'garbage' | 'blank';
  readonly body: Uint8Array;
  readonly id?: string;
  readonly input?: string;
}

const text = fc.string({ unit: 'grapheme', maxLength: 20 });

test('fuzz: mixes of valid records, duplicates and garbage: ids, erasure and byte-exact survivors', () => {
  const lineSpec = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant('rec' as const),
        input: text,
        label: fc.option(fc.oneof(text, fc.integer()), { nil: undefined }),
        explicit: fc.boolean(),
        shape: fc.constantFrom('io', 'pc', 'msg'),
      }),
    },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('dup' as const), which: fc.nat(), spaces: fc.nat({ max: 3 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('garbage' as const),
        g: fc.oneof(
          fc.uint8Array({ maxLength: 30 }).map((u) => u.filter((x) => x !== 0x0a)),
          fc.string({ unit: 'binary', maxLength: 30 }).map((s) => new Uint8Array(Buffer.from(s.replace(/\n/g, ' ')))),
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('blank' as const), ws: fc.constantFrom('', ' ', '\t ', '\r') }) },
  );
  fc.assert(
    fc.property(
      fc.array(lineSpec, { maxLength: 25 }),
      fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 25, maxLength: 25 }),
      fc.boolean(),
      fc.boolean(),
      fc.infiniteStream(fc.boolean()),
      (specs, terms, bom, finalNewline, coin) => {
        const lines: GenLine[] = [];
        specs.forEach((s, i) => {
          if (s.t === 'rec') {
            // A unique marker makes "the erased text is gone" checkable.
            const input = `M${i}M ${s.input}`;
            const base: Record<string, unknown> = s.shape === 'io' ? { input } : s.shape === 'pc' ? { prompt: input } : { messages: [{ role: 'user', content: input }] };
            if (s.label !== undefined) base.label = s.label;
            if (s.explicit) base.id = `id-${i}`;
            const id = s.explicit ? `id-${i}` : sha256Hex(canonicalJson(base));
            lines.push({ kind: 'record', body: new Uint8Array(Buffer.from(JSON.stringify(base))), id, input });
          } else if (s.t === 'dup') {
            const recs = lines.filter((l) => l.kind === 'record' && !l.id!.startsWith('id-'));
            if (recs.length === 0) return;
            const src = recs[s.which % recs.length];
            // Same content, other spacing and key order: the same example.
            const obj = JSON.parse(Buffer.from(src.body).toString('utf8')) as Record<string, unknown>;
            const reordered = Object.fromEntries(Object.entries(obj).reverse());
            const body = ' '.repeat(s.spaces) + JSON.stringify(reordered, null, s.spaces > 1 ? 1 : 0).replace(/\n/g, ' ');
            lines.push({ kind: 'dup', body: new Uint8Array(Buffer.from(body)), id: src.id, input: src.input });
          } else if (s.t === 'garbage') {
            lines.push({ kind: 'garbage', body: s.g });
          } else {
            lines.push({ kind: 'blank', body: new Uint8Array(Buffer.from(s.ws)) });
          }
        });
        const parts: Uint8Array[] = bom ? [new Uint8Array([0xef, 0xbb, 0xbf])] : [];
        lines.forEach((l, i) => {
          parts.push(l.body);
          if (i < lines.length - 1 || finalNewline) parts.push(new Uint8Array(Buffer.from(terms[i])));
        });
        const file = new Uint8Array(Buffer.concat(parts));
        const d = parseJsonlBytes(file, 'mix.jsonl');

        // Every generated record is found under its expected id, on exactly its lines.
        const expectedLines = new Map<string, number[]>();
        lines.forEach((l, i) => {
          if (l.id) expectedLines.set(l.id, [...(expectedLines.get(l.id) ?? []), i + 1]);
        });
        for (const [id, ls] of expectedLines) {
          const ex = d.examples.find((e) => e.id === id);
          assert.ok(ex, 'a valid record was not parsed');
          // Garbage can by chance be a valid record of the same content; it then only adds lines.
          for (const n of ls) assert.ok(ex.lines.includes(n));
          if (ex.lines.length === ls.length) assert.equal(ex.multiplicity, ls.length);
        }

        const erase = new Set([...expectedLines.keys()].filter(() => coin.next().value));
        const r = removeExampleLines(file, 'mix.jsonl', erase);
        const removed = d.examples
          .filter((e) => erase.has(e.id))
          .flatMap((e) => e.lines)
          .sort((a, b) => a - b);
        assert.deepEqual(r.removedLines, removed);
        assert.equal(hex(r.bytes), hex(expectedAfterRemoval(file, removed)));
        const out = Buffer.from(r.bytes);
        for (const l of lines) {
          if (l.id && erase.has(l.id)) assert.equal(out.includes(Buffer.from(JSON.stringify(l.input!).slice(1, -1))), false, 'erased text survived');
        }
        // The rewritten file parses to the same data set minus the erased examples.
        const after = parseJsonlBytes(r.bytes, 'mix.jsonl');
        assert.deepEqual(
          after.examples.map((e) => e.id),
          d.examples.filter((e) => !erase.has(e.id)).map((e) => e.id),
        );
        assert.equal(after.malformed.length, d.malformed.length);
        // Erasing again is a no-op (the roll-forward of an interrupted erasure relies on it).
        assert.deepEqual(removeExampleLines(r.bytes, 'mix.jsonl', erase).removedLines, []);
      },
    ),
    { numRuns: 300 },
  );
});

test('fuzz: text and bytes entry points agree on valid UTF-8', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.json(), text, fc.constant('')), { maxLength: 15 }), fc.constantFrom('\n', '\r\n'), (ls, nl) => {
      const t = ls.map((l) => l.replace(/\n/g, ' ')).join(nl) + (ls.length % 3 === 0 ? '\r' : ls.length % 3 === 1 ? nl : '');
      let a, b;
      try {
        a = parseJsonl(t, 'f');
      } catch (e) {
        a = e instanceof UserError ? 'user' : e;
      }
      try {
        b = parseJsonlBytes(new Uint8Array(Buffer.from(t, 'utf8')), 'f');
      } catch (e) {
        b = e instanceof UserError ? 'user' : e;
      }
      // Lone surrogates are the one difference: UTF-8 cannot carry them, so skip such inputs.
      if (/[\ud800-\udfff]/.test(t.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) return;
      assert.deepEqual(a, b);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: the syntax locator accepts exactly what JSON.parse accepts', () => {
  // Valid JSON with one random edit: deletion, insertion or replacement of a character.
  const mutated = fc
    .tuple(fc.json(), fc.nat(), fc.constantFrom('', '{', '}', '[', ']', '"', ',', ':', '\\', ' ', '0', '-', 'e', '.', 'n', '\u0001'), fc.boolean())
    .map(([j, at, ch, replace]) => {
      const p = j.length === 0 ? 0 : at % (j.length + 1);
      return j.slice(0, p) + ch + j.slice(replace ? p + 1 : p);
    });
  fc.assert(
    fc.property(fc.oneof(fc.json(), mutated, fc.string({ unit: 'binary', maxLength: 12 })), (s) => {
      let ok = true;
      try {
        JSON.parse(s);
      } catch {
        ok = false;
      }
      const e = findJsonSyntaxError(s);
      assert.equal(e === undefined, ok);
      if (e) assert.ok(e.offset >= 0 && e.offset <= s.length);
    }),
    { numRuns: 3000 },
  );
});

test('fuzz: the UTF-8 locator flags exactly the inputs a fatal decoder rejects', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const tricky = fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90, 0x41);
  fc.assert(
    fc.property(fc.array(fc.oneof(tricky, fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), (arr) => {
      const b = new Uint8Array(arr);
      let ok = true;
      try {
        fatal.decode(b);
      } catch {
        ok = false;
      }
      const at = firstInvalidUtf8(b);
      assert.equal(at === -1, ok);
      if (!ok) {
        // The prefix before the reported byte is valid on its own.
        fatal.decode(b.subarray(0, at));
      }
    }),
    { numRuns: 5000 },
  );
});

test('huge lines (5 MB) and deep nesting: parsed, reported, and preserved byte for byte', () => {
  const big = 'x'.repeat(5 * 1024 * 1024);
  const valid = `{"input":"${big}"}`;
  const garbage = `{"input":"${big}`; // unterminated string
  const invalid = Buffer.concat([Buffer.from(`{"input":"${big}`), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
  const deep = `{"input":"d","meta":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
  const deepBad = '['.repeat(2_000_000);
  const file = Buffer.concat([Buffer.from(valid + '\n' + garbage + '\r\n'), invalid, Buffer.from('\n' + deep + '\n' + deepBad + '\n{"id":"small","input":"s"}')]);
  const d = parseJsonlBytes(file, 'big.jsonl');
  assert.deepEqual(
    d.malformed.map((m) => [m.line, m.column]),
    [
      [2, 10],
      [3, 10 + big.length + 1],
      [5, 2_000_001],
    ],
  );
  // A million levels of nesting is an ordinary example: it has a content-hash id and can be erased.
  assert.deepEqual(
    d.examples.map((e) => e.lines[0]),
    [1, 4, 6],
  );
  assert.equal(d.examples[0].input.length, big.length);
  assert.equal(d.examples[1].id, sha256Hex(`{"input":"d","meta":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`));
  const r = removeExampleLines(file, 'big.jsonl', new Set([d.examples[0].id, d.examples[1].id, 'small']));
  assert.deepEqual(r.removedLines, [1, 4, 6]);
  const expected = expectedAfterRemoval(file, [1, 4, 6]);
  assert.equal(Buffer.compare(Buffer.from(r.bytes), expected), 0);
});
