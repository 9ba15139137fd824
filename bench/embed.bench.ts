// Throughput of the default hashing embedder on SST-2 dev sentences, against two baselines run in
// the same process: the naive string-allocating reference implementation of the same
// specification, and a tokenise-only pass (normalise + lowercase + split: a floor no embedder
// can beat). Also the binary cache: write and re-read all vectors.
// Run: node --import tsx bench/embed.bench.ts
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toFixed } from '../src/core/fixedpoint';
import { EmbeddingCache } from '../src/core/embed/cache';
import { HashingEmbedder } from '../src/core/embed/hashing';
import { referenceHashingEmbed } from '../test/fixtures/hashing-reference';

const SST2_DEV = '/work/shared/datasets/sst2/dev.tsv';
if (!existsSync(SST2_DEV)) {
  console.error(`skipped: ${SST2_DEV} is absent (the shared data sets folder is needed for this benchmark)`);
  process.exit(0);
}
const texts = readFileSync(SST2_DEV, 'utf8')
  .split('\n')
  .slice(1)
  .filter(Boolean)
  .map((l) => l.split('\t')[0]);
const meanChars = texts.reduce((s, t) => s + t.length, 0) / texts.length;

/** Median wall time of `reps` passes over all texts, after one warm-up pass. */
function measure(name: string, pass: () => unknown, reps = 7) {
  pass();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    pass();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[reps >> 1];
  return { name, texts: texts.length, medianMs: +ms.toFixed(2), textsPerSec: Math.round(texts.length / (ms / 1000)), usPerText: +((ms * 1000) / texts.length).toFixed(2) };
}

let sink = 0;
const e = new HashingEmbedder();
const rows = [
  measure('hashing-v1-d512 (src/core/embed/hashing.ts)', () => {
    for (const t of texts) sink += e.embedText(t)[0];
  }),
  measure(
    'baseline: naive reference, same spec',
    () => {
      for (const t of texts) sink += referenceHashingEmbed(t)[0];
    },
    3,
  ),
  measure('baseline: tokenise only (NFC+lower+split)', () => {
    for (const t of texts) sink += t.normalize('NFC').toLowerCase().split(/\s+/).length;
  }),
];

// Cache: store every dev vector in fixed point, flush (atomic rewrite), reopen.
const dir = mkdtempSync(join(tmpdir(), 'erase-bench-'));
const fixed = texts.map((t) => toFixed(e.embedText(t)));
const cache = EmbeddingCache.open(dir, e.id, e.dimension);
cache.setMany(fixed.map((v, i) => [`ex-${i}`, v] as const));
let t0 = performance.now();
cache.flush();
const flushMs = performance.now() - t0;
t0 = performance.now();
const reopened = EmbeddingCache.open(dir, e.id, e.dimension);
const openMs = performance.now() - t0;
const fileBytes = readFileSync(cache.path).length;
rmSync(dir, { recursive: true, force: true });
if (reopened.size !== texts.length) throw new Error('cache round trip lost rows');

const fast = rows[0];
const result = {
  dataset: 'SST-2 dev',
  texts: texts.length,
  meanChars: +meanChars.toFixed(1),
  node: process.version,
  embedders: rows,
  speedupOverNaive: +(fast.textsPerSec / rows[1].textsPerSec).toFixed(2),
  costVsTokeniseOnly: +(rows[2].textsPerSec / fast.textsPerSec).toFixed(2),
  target: { textsPerSec: 20000, met: fast.textsPerSec >= 20000 },
  cache: { rows: texts.length, fileMB: +(fileBytes / 2 ** 20).toFixed(2), flushMs: +flushMs.toFixed(1), openMs: +openMs.toFixed(1) },
  sink: Number.isFinite(sink),
};
console.log(JSON.stringify(result, null, 2));
console.log('\n| pass | median ms | texts/s | µs/text |\n|---|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${r.medianMs} | ${r.textsPerSec} | ${r.usPerText} |`);
console.log(`\nhashing is ${result.speedupOverNaive}× the naive reference; tokenising alone is ${result.costVsTokeniseOnly}× faster than hashing.`);
console.log(`cache: ${texts.length} × 512 int32 = ${result.cache.fileMB} MB, flush ${result.cache.flushMs} ms, open ${result.cache.openMs} ms`);
