// In-process cost of a deletion on real data: the certificate check (the O(T·k·D) path) against
// a retrain from scratch, measured in the same run, on SST-2 train (60k) and AG News dev (10k).
// Every certified deletion of the sample is compared with a retrain by state hash.
// usage: node --import tsx bench/deletion.bench.ts [--n 300] [--eps 0.1] [--k 8]
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importTabular } from '../src/core/dataset/tabular';
import { HashingEmbedder } from '../src/core/embed/hashing';
import { toFixed } from '../src/core/fixedpoint';
import { Projection } from '../src/core/qkmeans/projection';
import { makePointSet, type PointSet } from '../src/core/qkmeans/points';
import { train } from '../src/core/qkmeans/train';
import { deleteFromState } from '../src/core/qkmeans/deletion';
import { stateHash, type QkmParams } from '../src/core/qkmeans/state';
import { clusteringQuality, predictedCertifiedFraction } from '../src/core/qkmeans/quality';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '300' },
    eps: { type: 'string', default: '0.1' },
    k: { type: 'string', default: '8' },
    'verify-every': { type: 'string', default: '10' },
  },
});
const datasets = resolve(__dirname, '..', '..', 'shared', 'datasets');
const sets = [
  { name: 'SST-2 train', file: join(datasets, 'sst2', 'train.tsv'), textCol: 'sentence' as string | number, header: true },
  { name: 'AG News dev', file: join(datasets, 'agnews', 'dev.tsv'), textCol: 0, header: false },
];

function pointsOf(file: string, textCol: string | number, header: boolean, seed: string, dims: number): PointSet {
  const { records } = importTabular(readFileSync(file, 'utf8'), { fileName: file, textCol, header });
  const weights = new Map<string, { text: string; w: number }>();
  for (const r of records) {
    const prev = weights.get(r.input);
    if (prev) prev.w++;
    else weights.set(r.input, { text: r.input, w: 1 });
  }
  const emb = new HashingEmbedder();
  const proj = new Projection(seed, emb.dimension, dims);
  let i = 0;
  return makePointSet(
    dims,
    [...weights.values()].map(({ text, w }) => ({ id: `ex${(i++).toString().padStart(6, '0')}`, weight: w, vector: proj.project(toFixed(emb.embedText(text))) })),
  );
}

const rows: Record<string, unknown>[] = [];
for (const set of sets) {
  if (!existsSync(set.file)) {
    console.error(`skipped ${set.name}: ${set.file} is absent`);
    continue;
  }
  const params: QkmParams = { k: Number(values.k), eps: Number(values.eps), dims: 16, maxIter: 10, seed: 'bench', embedderId: 'hashing-v1-d512' };
  const t0 = performance.now();
  let points = pointsOf(set.file, set.textCol, set.header, params.seed, params.dims);
  const embedMs = performance.now() - t0;
  let state = train(points, params);
  for (let w = 0; w < 3; w++) train(points, params); // warm the JIT so the retrain baseline is not inflated
  const predicted = predictedCertifiedFraction(state, points);
  const q = clusteringQuality(state, points);
  let s = 12345 >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const N = Number(values.n);
  const verifyEvery = Number(values['verify-every']);
  const check: number[] = [];
  const retrainPath: number[] = [];
  const scratch: number[] = [];
  let certified = 0;
  let verified = 0;
  let equal = 0;
  for (let d = 0; d < N; d++) {
    const i = Math.floor(rnd() * points.ids.length);
    const removal = new Map([[points.ids[i], points.weight[i]]]);
    const t1 = performance.now();
    const res = deleteFromState(state, points, removal);
    const dt = performance.now() - t1;
    if (res.certified) {
      certified++;
      check.push(dt);
    } else retrainPath.push(dt);
    if (d % verifyEvery === 0 || !res.certified) {
      const t2 = performance.now();
      const fresh = train(res.points, params);
      scratch.push(performance.now() - t2);
      verified++;
      if (stateHash(fresh) === stateHash(res.state)) equal++;
    }
    state = res.state;
    points = res.points;
  }
  const median = (a: number[]) => (a.length ? [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] : NaN);
  const frac = certified / N;
  const mCheck = median(check);
  const mScratch = median(scratch);
  rows.push({
    data: set.name,
    n: points.ids.length + N,
    k: params.k,
    eps: params.eps,
    iterations: state.iterations.length,
    ve: q.ve,
    predictedCertified: predicted,
    deletions: N,
    certified,
    certifiedFraction: frac,
    retrainedMedianMs: median(retrainPath),
    checkMedianMs: mCheck,
    scratchRetrainMedianMs: mScratch,
    retrainOverCheck: mScratch / mCheck,
    expectedSpeedup: mScratch / (mCheck + (1 - frac) * mScratch),
    verifiedAgainstScratch: verified,
    equal,
    embedAndProjectMs: embedMs,
  });
}
console.log(JSON.stringify(rows, null, 2));
const f = (x: unknown, d = 3) => (typeof x === 'number' ? x.toFixed(d) : String(x));
console.log('\n| data | n | k | ε | iter | VE | predicted | certified | check (median) | retrain (median) | retrain/check | expected speed-up | equal/verified |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.data} | ${r.n} | ${r.k} | ${r.eps} | ${r.iterations} | ${f(r.ve)} | ${f(r.predictedCertified)} | ${r.certified}/${r.deletions} (${f(100 * (r.certifiedFraction as number), 1)}%) | ${f(r.checkMedianMs)} ms | ${f(r.scratchRetrainMedianMs, 1)} ms | ${f(r.retrainOverCheck, 0)}× | ${f(r.expectedSpeedup, 1)}× | ${r.equal}/${r.verifiedAgainstScratch} |`,
  );
}
if (rows.some((r) => r.equal !== r.verifiedAgainstScratch)) process.exitCode = 1;
