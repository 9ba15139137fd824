import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, sha256Hex } from '../../src/core/hash';

/**
 * The recursive canonicalJson as it was before it became iterative, kept verbatim as the oracle:
 * example ids are the SHA-256 of this text, so the iterative form must produce the same bytes.
 */
function recursiveCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number in canonical JSON');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return '[' + value.map(recursiveCanonicalJson).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + recursiveCanonicalJson(obj[k])).join(',') + '}';
}

/** The result, or the error's class and message: both forms must fail alike too. */
function outcome(f: (v: unknown) => string, v: unknown): string {
  try {
    return 'ok:' + f(v);
  } catch (e) {
    return `throws:${(e as Error).name}:${(e as Error).message}`;
  }
}

test('canonical JSON: iterative form is byte-identical to the recursive one on random JSON values', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => {
      assert.equal(canonicalJson(v), recursiveCanonicalJson(v));
    }),
    { numRuns: 3000, seed: 11 },
  );
});

test('canonical JSON: byte-identical on parsed JSONL records with unicode keys and strings', () => {
  const record = fc.record(
    {
      id: fc.oneof(fc.string(), fc.integer()),
      input: fc.string({ unit: 'grapheme' }),
      output: fc.string({ unit: 'binary' }),
      label: fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })),
      meta: fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 5 })),
    },
    { requiredKeys: ['input'] },
  );
  fc.assert(
    fc.property(record, (r) => {
      // Through JSON text and back, as the parser sees it (also covers -0 and key order).
      const v = JSON.parse(JSON.stringify(r));
      assert.equal(canonicalJson(v), recursiveCanonicalJson(v));
      assert.equal(canonicalJson(r), recursiveCanonicalJson(r));
    }),
    { numRuns: 2000, seed: 12 },
  );
});

test('canonical JSON: same result or same error on any JavaScript value (undefined, holes, NaN, functions, bigint)', () => {
  const anything = fc.anything({
    maxDepth: 4,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    withUnicodeString: true,
  });
  fc.assert(
    fc.property(anything, (v) => {
      assert.equal(outcome(canonicalJson, v), outcome(recursiveCanonicalJson, v));
    }),
    { numRuns: 3000, seed: 13 },
  );
  // eslint-disable-next-line no-sparse-arrays -- holes are the point: canonical JSON must treat them as the old code did
  for (const v of [undefined, () => 1, Symbol('s'), NaN, -Infinity, [undefined, , 1], { a: undefined, b: [NaN] }, 10n, [1, , , 2]]) {
    assert.equal(outcome(canonicalJson, v), outcome(recursiveCanonicalJson, v));
  }
});

test('canonical JSON: a fixed record keeps its id (the SHA-256 every existing data set relies on)', () => {
  const v = { output: 'y', input: 'x', meta: { b: 1, a: [1.5, 'é\u2028"', null, true, { z: -0, y: 1e21 }], '': {} } };
  assert.equal(canonicalJson(v), '{"input":"x","meta":{"":{},"a":[1.5,"é\u2028\\"",null,true,{"y":1e+21,"z":0}],"b":1},"output":"y"}');
  assert.equal(sha256Hex(canonicalJson(v)), '059a0949f38b90839c565d4b97c6959dd58b41c8a110b14a2a2105684609c2b2');
});

test('canonical JSON: 10,000 and 1,000,000 levels of nesting, where the recursive form overflowed the stack', () => {
  const depth = 10_000;
  const text = `{"b":${'[{"k":'.repeat(depth)}0${'}]'.repeat(depth)},"a":1}`;
  const value: unknown = JSON.parse(text);
  assert.throws(() => recursiveCanonicalJson(value), RangeError);
  assert.equal(canonicalJson(value), `{"a":1,"b":${'[{"k":'.repeat(depth)}0${'}]'.repeat(depth)}}`);
  const million = 1_000_000;
  assert.equal(canonicalJson(JSON.parse('['.repeat(million) + ']'.repeat(million))), '['.repeat(million) + ']'.repeat(million));
});
