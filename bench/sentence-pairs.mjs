// A large data set made deterministically from the shared SST-2 train sentences (issue 9: the
// 1,000,000-example figures): example i is the pair "A | B" of two distinct SST-2 sentences,
// chosen by index through a fixed bijection of [0, S²) (j = (i·P + OFFSET) mod S², P prime and
// not a factor of S), so there is no randomness at all and the same input gives the same bytes.
// Sentences are deduplicated first and "|" never occurs in SST-2, yet a pair text already seen is
// skipped anyway (the next index is taken), so every text is distinct. The label is A's.
// Writes JSONL in the form `erase import` writes ({"input","output","label"}).
//
// usage: node bench/sentence-pairs.mjs [--n 1000000] [--out pairs.jsonl] [--sst2 ../shared/datasets/sst2/train.tsv]
// As a module: writeSentencePairs({ n, out, sst2 }) → { n, bytes, sha256 } (null when SST-2 is absent).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
export const defaultSst2 = resolve(root, '..', 'shared', 'datasets', 'sst2', 'train.tsv');
const P = 2_654_435_761n; // prime (Knuth's multiplicative constant)
const OFFSET = 12_345n;

/** The distinct SST-2 sentences (trimmed, first occurrence wins) with their labels, in file order. */
function sentences(sst2) {
  const seen = new Set();
  const out = [];
  const lines = readFileSync(sst2, 'utf8').split('\n');
  for (let i = 1; i < lines.length; i++) {
    const tab = lines[i].lastIndexOf('\t');
    if (tab < 0) continue;
    const text = lines[i].slice(0, tab).trim();
    if (text === '' || seen.has(text)) continue;
    seen.add(text);
    out.push({ text, label: lines[i].slice(tab + 1).trim() });
  }
  return out;
}

export function writeSentencePairs({ n = 1_000_000, out, sst2 = defaultSst2 }) {
  if (!existsSync(sst2)) return null;
  const s = sentences(sst2);
  const S = BigInt(s.length);
  if (S % P === 0n) throw new Error('internal: P divides S');
  const space = S * S;
  const seen = new Set();
  const hash = createHash('sha256');
  const fd = openSync(out, 'w');
  let bytes = 0;
  let chunk = [];
  const flush = () => {
    const b = Buffer.from(chunk.join(''), 'utf8');
    hash.update(b);
    writeSync(fd, b);
    bytes += b.length;
    chunk = [];
  };
  try {
    for (let i = 0n, written = 0; written < n; i++) {
      if (i >= space) throw new Error(`only ${written} distinct pairs`);
      const j = (i * P + OFFSET) % space;
      const a = s[Number(j % S)];
      const b = s[Number(j / S)];
      if (a === b) continue;
      const text = `${a.text} | ${b.text}`;
      if (seen.has(text)) continue;
      seen.add(text);
      chunk.push(JSON.stringify({ input: text, output: a.label, label: a.label }) + '\n');
      written++;
      if (chunk.length === 8192) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return { n, bytes, sha256: hash.digest('hex') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '1000000' },
      out: { type: 'string', default: 'pairs.jsonl' },
      sst2: { type: 'string', default: defaultSst2 },
    },
  });
  const r = writeSentencePairs({ n: Number(values.n), out: resolve(values.out), sst2: resolve(values.sst2) });
  if (!r) {
    console.log(`skipped: ${values.sst2} is absent (the shared data sets folder next to the repository)`);
    process.exit(0);
  }
  console.log(JSON.stringify(r));
}
