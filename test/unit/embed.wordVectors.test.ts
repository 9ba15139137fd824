import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/core/errors';
import { createEmbedder } from '../../src/core/embed/registry';
import { WORDS_ASSET, WORDS_EMBEDDER_ID, WordVectorEmbedder, wordVectorsAssetPath } from '../../src/core/embed/wordVectors';
import { decodeWordVectors, encodeWordVectors } from '../../src/core/embed/wordVectorsAsset';

const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempFile(name: string, bytes: Uint8Array): string {
  const d = mkdtempSync(join(tmpdir(), 'erase-words-'));
  dirs.push(d);
  writeFileSync(join(d, name), bytes);
  return join(d, name);
}

const bits = (v: Float64Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const cosine = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

test('words embedder: registered as `words`, its id pins the asset hash, unit vectors of dimension 100', async () => {
  const e = await createEmbedder('words');
  assert.equal(e.id, WORDS_EMBEDDER_ID);
  assert.equal(e.id, `words-glove100-v1-${WORDS_ASSET.sha256.slice(0, 12)}-d100`);
  assert.equal(e.dimension, 100);
  const [v] = await e.embed(['Oil prices rise as OPEC cuts output']);
  assert.equal(v.length, 100);
  assert.ok(Math.abs(cosine(v, v) - 1) < 1e-12);
  // the asset really is the one the id names
  assert.equal(sha(readFileSync(wordVectorsAssetPath()).subarray(52)), WORDS_ASSET.sha256);
});

test('words embedder: the same text gives the same bits (golden hash of a few vectors)', async () => {
  const e = WordVectorEmbedder.create();
  const texts = [
    'Oil prices rise as OPEC cuts output',
    'Phelps wins his sixth gold medal in Athens',
    'Scientists find water on Mars, NASA says',
    'Iraqi troops fight rebels in Najaf',
    "The company's shares fell 5% after a profit warning",
  ];
  const h = createHash('sha256');
  for (const v of await e.embed(texts)) h.update(bits(v));
  // Changing the tokenizer, the vocabulary, the weighting or the order of the sums changes this:
  // that is a new embedder version (WORDS_VERSION), never a silent change.
  assert.equal(h.digest('hex'), '48446f5f6632b309613a95b90cbcd3c556380cd22c418b33717ef020ec5016e1');
  // A second instance, and one text at a time, give the same bits.
  const again = WordVectorEmbedder.create();
  for (const t of texts) assert.deepEqual(bits(again.embedText(t)), bits(e.embedText(t)));
});

test('words embedder: stop words, markup residue, numbers and unknown words are skipped; none known → the zero vector', () => {
  const e = WordVectorEmbedder.create();
  for (const text of ['', '   ', 'zzqxv qqwwee', 'the of and to it is was', '#36;50 1999 &lt;b&gt; &quot; http://www.x.com', 'a b c']) {
    assert.deepEqual([...e.embedText(text)], new Array(100).fill(0), JSON.stringify(text));
  }
  const plain = e.embedText('oil prices');
  assert.deepEqual(bits(e.embedText('The oil and the prices of it, 2004 &lt;b&gt;')), bits(plain));
  assert.deepEqual(bits(e.embedText('OIL   Prices')), bits(plain)); // lower-cased
  assert.deepEqual(bits(e.embedText('oil zzqxv prices')), bits(plain)); // unknown words add nothing
  // A token not found whole is split at ' and -: "iraq's" → iraq.
  assert.deepEqual(bits(e.embedText("Iraq's")), bits(e.embedText('iraq')));
  // NFC first: a decomposed "café" is the word café (not in the English vocabulary), not "cafe" cut
  // before a combining accent.
  assert.deepEqual(bits(e.embedText('cafe\u0301')), bits(e.embedText('caf\u00e9')));
  assert.deepEqual([...e.embedText('cafe\u0301')], new Array(100).fill(0));
  assert.notDeepEqual([...e.embedText('cafe')], new Array(100).fill(0));
});

test('words embedder: texts on one topic lie closer than texts on different topics', () => {
  const e = WordVectorEmbedder.create();
  const oil = e.embedText('Oil prices rise as OPEC cuts output');
  const markets = e.embedText('Stocks fall on Wall Street as crude costs climb');
  const sport = e.embedText('Phelps wins his sixth gold medal in the Olympic pool');
  assert.ok(cosine(oil, markets) > cosine(oil, sport) + 0.1, `${cosine(oil, markets)} vs ${cosine(oil, sport)}`);
});

test('words asset: a damaged or foreign asset is a clear UserError, never garbage vectors', () => {
  const good = readFileSync(wordVectorsAssetPath());
  const load = (path: string) => WordVectorEmbedder.create({ asset: { path, sha256: WORDS_ASSET.sha256 } });
  assert.equal(load(tempFile('copy.bin', good)).id, WORDS_EMBEDDER_ID);

  const flipped = Buffer.from(good);
  flipped[52 + 20000 * 4 + 12345] ^= 1; // one bit of one int8 coordinate
  assert.throws(
    () => load(tempFile('flipped.bin', flipped)),
    (e: unknown) => e instanceof UserError && /damaged \(its SHA-256 does not match\)/.test(e.message),
  );
  assert.throws(
    () => load(tempFile('truncated.bin', good.subarray(0, good.length - 1))),
    (e: unknown) => e instanceof UserError && /damaged \(its size does not match its header\)/.test(e.message),
  );
  assert.throws(
    () => load(tempFile('other.bin', Buffer.from('not a word-vector file at all, just some text here'))),
    (e: unknown) => e instanceof UserError && /damaged \(not a word-vector file\)/.test(e.message),
  );
  // Intact but not the asset this version is defined on (rebuilt with other words): refused too.
  const other = encodeWordVectors(['alpha', 'beta'], [0.5, 0.25], new Int8Array([1, -2, 3, 4, 5, -6]), 3);
  assert.throws(
    () => load(tempFile('foreign.bin', other)),
    (e: unknown) => e instanceof UserError && /is not the one words-glove100-v1/.test(e.message),
  );
  assert.throws(
    () => WordVectorEmbedder.create({ asset: { path: join(tmpdir(), 'no-such-dir-erase', 'x.bin'), sha256: WORDS_ASSET.sha256 } }),
    (e: unknown) => e instanceof UserError && e.code === 'unavailable',
  );
});

test('words asset: encode and decode round-trip; the header carries the payload hash', () => {
  const bytes = encodeWordVectors(['alpha', 'beta'], [0.5, 0.25], new Int8Array([1, -2, 3, 4, 5, -6]), 3);
  const t = decodeWordVectors(bytes, 'test');
  assert.deepEqual(t.words, ['alpha', 'beta']);
  assert.deepEqual([...t.scales], [0.5, 0.25]);
  assert.deepEqual([...t.quantized], [1, -2, 3, 4, 5, -6]);
  assert.equal(t.sha256, sha(bytes.subarray(52)));
  const e = WordVectorEmbedder.create({ asset: { path: tempFile('tiny.bin', bytes), sha256: t.sha256 } });
  // beta twice + alpha: (2·0.25·[4,5,−6] + 0.5·[1,−2,3]) = [2.5, 1.5, −1.5], then ÷ √(6.25+2.25+2.25)
  const n = Math.sqrt(2.5 * 2.5 + 1.5 * 1.5 + 1.5 * 1.5);
  assert.deepEqual([...e.embedText('Beta, alpha; BETA!')], [2.5 / n, 1.5 / n, -1.5 / n]);
});
