import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CancelledError } from '../../src/core/errors';
import { HashingEmbedder, fnv1a32, fmix32 } from '../../src/core/embed/hashing';
import { referenceHashingEmbed } from '../fixtures/hashing-reference';

const SST2_DEV = '/work/shared/datasets/sst2/dev.tsv';
const utf8 = (s: string) => new TextEncoder().encode(s);

/** SHA-256 of the vector's float64 values, little-endian whatever the machine. */
function digest(v: Float64Array): string {
  const dv = new DataView(new ArrayBuffer(v.length * 8));
  v.forEach((x, i) => dv.setFloat64(i * 8, x, true));
  return createHash('sha256').update(new Uint8Array(dv.buffer)).digest('hex');
}

function norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

const sameBits = (a: Float64Array, b: Float64Array) => assert.equal(digest(a), digest(b));

test('FNV-1a 32 matches the published test vectors; fmix32 is the murmur3 finaliser', () => {
  assert.equal(fnv1a32(utf8('')), 0x811c9dc5);
  assert.equal(fnv1a32(utf8('a')), 0xe40c292c);
  assert.equal(fnv1a32(utf8('foobar')), 0xbf9cf968);
  assert.equal(fmix32(0), 0);
  assert.equal(fmix32(1), 0x514e28b7);
});

test('golden vectors: exact values must not change (if they must, bump hashing-v1 → v2)', () => {
  const e = new HashingEmbedder();
  assert.equal(e.id, 'hashing-v1-d512');
  assert.equal(e.dimension, 512);
  const v = e.embedText('The quick brown fox jumps over the lazy dog.');
  assert.equal(v.length, 512);
  assert.equal(v[17], -0.050131032778385126);
  assert.equal(v[20], -0.10026206555677025);
  assert.equal(v[21], 0.050131032778385126);
  assert.equal(v[30], 0.050131032778385126);
  assert.equal(v.filter((x) => x !== 0).length, 122);
  assert.equal(digest(v), 'cc42b5b4b9548e38e929298d723ea441d0ced0dec5cf27d54dc8bcb5cfe74b2d');
  const u = e.embedText('Ünïcödé — naïve café 東京 🙂');
  assert.equal(u[1], 0.07372097807744857);
  assert.equal(u[8], -0.29488391230979427);
  assert.equal(digest(u), 'ddc5353dcd109fb08d79a8cae4ca1fab9ca344ef4abb4c55b5058951fa2732bf');
});

test('agrees bit for bit with the naive reference implementation (unicode, random strings)', () => {
  const e = new HashingEmbedder();
  const samples = [
    'hello',
    'Hello, World!',
    "don't  stop\tme\nnow",
    '  padded  ',
    'a',
    'ab',
    'abc',
    '東京タワーは高い',
    'Ελληνικά ΣΟΦΟΣ',
    'emoji 🙂🙃 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    'lone \ud800 surrogate \udc00',
    'mixed—dash…ellipsis «quotes» ¿qué?',
    'x'.repeat(3000),
  ];
  for (const s of samples) sameBits(e.embedText(s), referenceHashingEmbed(s));
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.lorem()), (s) => {
      sameBits(e.embedText(s), referenceHashingEmbed(s));
    }),
    { numRuns: 400, seed: 42 },
  );
});

test('agrees with the reference on real SST-2 sentences', { skip: !existsSync(SST2_DEV) && 'shared SST-2 data set absent' }, () => {
  const e = new HashingEmbedder();
  const lines = readFileSync(SST2_DEV, 'utf8')
    .split('\n')
    .slice(1, 501)
    .map((l) => l.split('\t')[0]);
  for (const s of lines) sameBits(e.embedText(s), referenceHashingEmbed(s));
});

test('a text alone or inside any batch gives identical bits (no dependence on the data set)', async () => {
  const target = 'a film that is both funny and sad';
  const alone = (await new HashingEmbedder().embed([target]))[0];
  const e = new HashingEmbedder();
  const batch = await e.embed(['x'.repeat(5000), 'the film', target, 'Σ 東京 🙂', '', target]);
  sameBits(batch[2], alone);
  sameBits(batch[5], alone);
  // and after the shared scratch space grew for a long text
  e.embedText('word '.repeat(20000));
  sameBits(e.embedText(target), alone);
});

test('vectors are L2-normalised; empty or whitespace-only text gives the zero vector', async () => {
  const e = new HashingEmbedder();
  for (const s of ['a', 'ok', 'hello world', 'The quick brown fox', '!!!', '🙂']) {
    const v = e.embedText(s);
    assert.ok(Math.abs(norm(v) - 1) < 1e-12, `norm of ${JSON.stringify(s)} is ${norm(v)}`);
  }
  for (const s of ['', ' ', '\n\t \u3000\u00a0']) {
    const v = e.embedText(s);
    assert.equal(v.length, 512);
    assert.ok(
      v.every((x) => x === 0),
      'expected the zero vector',
    );
  }
});

test('unicode: NFC = NFD, case-insensitive, whitespace runs collapse, punctuation splits words', () => {
  const e = new HashingEmbedder();
  sameBits(e.embedText('Café Noël'), e.embedText('Cafe\u0301 Noe\u0308l'));
  sameBits(e.embedText('HELLO World'), e.embedText('hello world'));
  sameBits(e.embedText('hello   \n world'), e.embedText(' hello world '));
  assert.notEqual(digest(e.embedText('hello world')), digest(e.embedText('world hello')), 'bigrams keep order');
  assert.notEqual(digest(e.embedText('東京')), digest(e.embedText('京都')));
});

test('similar texts are closer than unrelated ones', () => {
  const e = new HashingEmbedder();
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);
  const a = e.embedText('a gorgeous, witty and moving film');
  const b = e.embedText('a witty and gorgeous movie');
  const c = e.embedText('quarterly earnings rose by 3 percent');
  assert.ok(dot(a, b) > dot(a, c) + 0.2, `${dot(a, b)} vs ${dot(a, c)}`);
});

test('embed honours an aborted signal; bad dimensions are refused', async () => {
  await assert.rejects(new HashingEmbedder().embed(['a'], AbortSignal.abort()), (e) => e instanceof CancelledError);
  assert.throws(() => new HashingEmbedder(500), /power of two/);
  assert.equal(new HashingEmbedder(64).id, 'hashing-v1-d64');
});
