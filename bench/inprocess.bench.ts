// In-process engine figures on SST-2 train, each beside a baseline measured in the same run:
// - embedding: hashing embedder + projection, one thread against two worker threads;
// - training: a Lloyd iteration of src/core against a plain Float64Array Lloyd loop of the same shape;
// - deletion: 300 seeded deletions on one DeletionEngine (certificate check, retrain path) against a
//   retrain from scratch, every tenth and every non-certified one compared with a retrain by state
//   hash; then the hot certified deletion against a plain-loop one doing the same work;
// - trade-off: certified fraction and VE over ε and k (to choose defaults);
// - scaling: certified fraction and costs at growing n (prefixes of the data set).
// Prints one JSON object on stdout, progress on stderr.
// Measures the core as it ships, bundled (bench/asShipped.ts); --from-source runs it through tsx.
// usage: node --import tsx bench/inprocess.bench.ts [--quick] [--deletions 300] [--from-source]
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { importTabular } from '../src/core/dataset/tabular';
import { HashingEmbedder } from '../src/core/embed/hashing';
import { toFixed } from '../src/core/fixedpoint';
import { Projection } from '../src/core/qkmeans/projection';
import { makePointSet, type PointSet } from '../src/core/qkmeans/points';
import { chooseInitialSeeds, phaseFor, runLloyd, train } from '../src/core/qkmeans/train';
import { DeletionEngine } from '../src/core/qkmeans/deletion';
import { stateHash, type QkmParams, type QkmState } from '../src/core/qkmeans/state';
import { clusteringQuality, predictedCertifiedFraction } from '../src/core/qkmeans/quality';
import { bundleDir, rerunBundled, sourceDir } from './asShipped';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, deletions: { type: 'string', default: '300' }, 'from-source': { type: 'boolean', default: false } },
});
rerunBundled(__filename, [join(__dirname, 'embed.worker.ts')], values['from-source']);
const benchDir = sourceDir(__dirname);
const quick = values.quick;
const DELETIONS = Number(values.deletions);
const log = (s: string) => process.stderr.write(s + '\n');
const file = resolve(benchDir, '..', '..', 'shared', 'datasets', 'sst2', 'train.tsv');
if (!existsSync(file)) {
  console.log(JSON.stringify({ skipped: `${file} is absent` }));
  process.exit(0);
}
const params: QkmParams = { k: 8, eps: 0.1, dims: 16, maxIter: 10, seed: 'bench', embedderId: 'hashing-v1-d512' };
const median = (a: number[]) => (a.length ? [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] : NaN);
const quantile = (a: number[], q: number) => (a.length ? [...a].sort((x, y) => x - y)[Math.floor(q * (a.length - 1))] : NaN);
// The hot check's warm-up: rounds of untimed deletions, each followed by a pause (see warmCheckUs).
const WARMUP_ROUNDS = 4;
const WARMUP_PAUSE_MS = 250;
const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);
const r3 = (x: number) => (Number.isFinite(x) ? +x.toPrecision(4) : x);

// Distinct sentences with multiplicities, in file order (ids ex000000… keep that order).
const { records } = importTabular(readFileSync(file, 'utf8'), { fileName: file, textCol: 'sentence', header: true });
const weightOf = new Map<string, number>();
for (const r of records) weightOf.set(r.input, (weightOf.get(r.input) ?? 0) + 1);
const texts = [...weightOf.keys()];

// ---- embedding: one thread, then two workers, same pipeline (embed → fixed point → project to D).
const emb = new HashingEmbedder();
const proj = new Projection(params.seed, emb.dimension, params.dims);
function embedAll(ts: readonly string[]): Int32Array {
  const out = new Int32Array(ts.length * params.dims);
  for (let i = 0; i < ts.length; i++) out.set(proj.project(toFixed(emb.embedText(ts[i]))), i * params.dims);
  return out;
}
async function embedParallel(ts: readonly string[], workers: number): Promise<Int32Array> {
  const per = Math.ceil(ts.length / workers);
  const parts = await Promise.all(
    Array.from(
      { length: workers },
      (_, w) =>
        new Promise<Int32Array>((res, rej) => {
          // The worker runs as the main thread does: its bundle, or its source through tsx.
          const bundled = bundleDir();
          const code = bundled
            ? `require(${JSON.stringify(join(bundled, 'embed.worker.cjs'))});`
            : `require('tsx/cjs'); require(${JSON.stringify(join(benchDir, 'embed.worker.ts'))});`;
          const wk = new Worker(code, {
            eval: true,
            workerData: { texts: ts.slice(w * per, (w + 1) * per), seed: params.seed, dims: params.dims },
          });
          wk.once('message', (m: Int32Array) => res(m));
          wk.once('error', rej);
        }),
    ),
  );
  const out = new Int32Array(ts.length * params.dims);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
void main();
async function main(): Promise<void> {
  log(`embedding ${texts.length} distinct texts (one thread, then two workers)…`);
  embedAll(texts.slice(0, 2000)); // warm-up
  let t0 = performance.now();
  const vectors = embedAll(texts);
  const oneThreadMs = performance.now() - t0;
  t0 = performance.now();
  const vectors2 = await embedParallel(texts, 2);
  const twoWorkersMs = performance.now() - t0;
  if (!vectors2.every((v, i) => v === vectors[i])) throw new Error('parallel embedding differs from the single-threaded one');
  const embedding = {
    texts: texts.length,
    hashingPerSec: Math.round(texts.length / (oneThreadMs / 1000)),
    twoWorkersPerSec: Math.round(texts.length / (twoWorkersMs / 1000)),
    workerSpeedup: r3(oneThreadMs / twoWorkersMs),
    note: 'embed + fixed point + projection to D; two workers include thread start-up and transfer',
  };

  function pointsOfPrefix(n: number): PointSet {
    const D = params.dims;
    return makePointSet(
      D,
      texts.slice(0, n).map((t, i) => ({ id: `ex${i.toString().padStart(7, '0')}`, weight: weightOf.get(t)!, vector: vectors.subarray(i * D, (i + 1) * D) })),
    );
  }
  const all = pointsOfPrefix(texts.length);

  // ---- training: Lloyd iteration of the engine against a plain Float64Array Lloyd loop of the same shape.
  function plainLloydIteration(real: Float64Array, weight: Float64Array, n: number, D: number, k: number, centroids: Float64Array, sums: Float64Array, counts: Float64Array): void {
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDist = Infinity;
      for (let j = 0; j < k; j++) {
        let d = 0;
        for (let c = 0; c < D; c++) {
          const x = real[i * D + c] - centroids[j * D + c];
          d += x * x;
        }
        if (d < bestDist) {
          bestDist = d;
          best = j;
        }
      }
      counts[best] += weight[i];
      for (let c = 0; c < D; c++) sums[best * D + c] += weight[i] * real[i * D + c];
    }
    for (let j = 0; j < k; j++) for (let c = 0; c < D; c++) centroids[j * D + c] = counts[j] > 0 ? sums[j * D + c] / counts[j] : centroids[j * D + c];
  }
  log('training…');
  const state0 = train(all, params);
  const trainingHash = stateHash(state0);
  const phase = phaseFor(params.seed, params.dims);
  const seedMs: number[] = [];
  const iterMs: number[] = [];
  const floorMs: number[] = [];
  const reps = quick ? 5 : 9;
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    chooseInitialSeeds(all, params, params.k);
    seedMs.push(performance.now() - t);
    t = performance.now();
    const run = runLloyd(all, params, phase, state0.initGrid, 1);
    iterMs.push((performance.now() - t) / run.iterations.length);
    const k = params.k;
    const D = params.dims;
    const centroids = new Float64Array(k * D);
    for (let i = 0; i < k * D; i++) centroids[i] = (state0.initGrid[i] - phase[i % D] + 0.5) * params.eps;
    const sums = new Float64Array(k * D);
    const counts = new Float64Array(k);
    t = performance.now();
    for (let it = 0; it < run.iterations.length; it++) plainLloydIteration(all.real, all.weight, all.ids.length, D, k, centroids, sums, counts);
    floorMs.push((performance.now() - t) / run.iterations.length);
  }
  const training = {
    n: all.ids.length,
    dims: params.dims,
    k: params.k,
    iterations: state0.iterations.length,
    msPerIteration: r3(median(iterMs)),
    floorMsPerIteration: r3(median(floorMs)),
    ratioToFloor: r3(median(iterMs) / median(floorMs)),
    seedingMs: r3(median(seedMs)),
    stateHash: trainingHash,
  };

  // ---- deletion: seeded deletions, each certified one cheap; failures retrain from the failing iteration.
  interface DeletionRun {
    n: number;
    deletions: number;
    certified: number;
    checkUs: number[];
    retrainPathMs: number[];
    allMs: number[];
    scratchMs: number[];
    verified: number;
    equal: number;
    predicted: number;
    ve: number;
    iterations: number;
  }
  function runDeletions(points: PointSet, p: QkmParams, count: number, verifyEvery: number, scratchSamples = 5): DeletionRun {
    const state: QkmState = train(points, p);
    const predicted = predictedCertifiedFraction(state, points);
    const ve = clusteringQuality(state, points).ve;
    const iterations = state.iterations.length;
    const scratchMs: number[] = [];
    for (let w = 0; w < scratchSamples; w++) {
      const t = performance.now();
      train(points, p);
      scratchMs.push(performance.now() - t);
    }
    let s = 12345 >>> 0;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const out: DeletionRun = {
      n: points.ids.length,
      deletions: count,
      certified: 0,
      checkUs: [],
      retrainPathMs: [],
      allMs: [],
      scratchMs,
      verified: 0,
      equal: 0,
      predicted,
      ve,
      iterations,
    };
    // One engine for the whole sequence, as a long-lived process keeps it: a certified deletion
    // tombstones the point, so nothing of size n is rebuilt between deletions (the remaining
    // point set is built only for the verifying retrains, outside the timed calls).
    const engine = new DeletionEngine(state, points);
    for (let d = 0; d < count; d++) {
      const id = livePick(engine, points, rnd);
      const removal = new Map([[id, engine.weightOf(id)]]);
      const t1 = performance.now();
      const res = engine.delete(removal);
      const dt = performance.now() - t1;
      out.allMs.push(dt);
      if (res.certified) {
        out.certified++;
        out.checkUs.push(dt * 1000);
      } else out.retrainPathMs.push(dt);
      if (verifyEvery > 0 && (d % verifyEvery === 0 || !res.certified)) {
        const t2 = performance.now();
        const fresh = train(engine.points, p);
        scratchMs.push(performance.now() - t2);
        out.verified++;
        if (stateHash(fresh) === stateHash(engine.state)) out.equal++;
      }
    }
    return out;
  }
  /** A seeded random example still in the data (indices into the original set; removed ones are skipped). */
  function livePick(engine: DeletionEngine, points: PointSet, rnd: () => number): string {
    for (;;) {
      const id = points.ids[Math.floor(rnd() * points.ids.length)];
      if (engine.weightOf(id) > 0) return id;
    }
  }
  /**
   * The certificate check alone, hot: certified deletions in a row on one engine, after
   * `warmup` untimed ones (a long-lived process runs the check optimised), each timed beside
   * the plain-loop baseline doing the same deletion on its own copy of the state (alternating
   * which one runs first, so neither always finds the point's data in the cache). Stops at the
   * first non-certified deletion. At the end the baseline's sums and counts must equal the
   * engine's: both did the same deletions.
   *
   * The warm-up runs in WARMUP_ROUNDS rounds, each followed by a pause: V8 compiles a hot
   * function on a background thread, and on this loaded machine compiling the check took
   * 12–36 ms of that thread (once 300 ms) while 100 warm-up deletions take about 2 ms, so
   * without the pauses the optimised code arrived somewhere inside the timed deletions and the
   * median fell on either side of that switch (9–15 µs across runs of the same code).
   */
  async function warmCheckUs(points: PointSet, p: QkmParams, warmup: number, count: number, plainUs: number[]): Promise<number[]> {
    const engine = new DeletionEngine(train(points, p), points);
    const plain = plainModel(engine.state, points);
    let s = 54321 >>> 0;
    const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const out: number[] = [];
    for (let d = 0; d < warmup + count; d++) {
      if (d > 0 && d <= warmup && d % Math.ceil(warmup / WARMUP_ROUNDS) === 0) await new Promise((r) => setTimeout(r, WARMUP_PAUSE_MS));
      const id = livePick(engine, points, rnd);
      const w = engine.weightOf(id);
      const removal = new Map([[id, w]]);
      let plainOk = false;
      let plainDt = 0;
      const timePlain = () => {
        const t = performance.now();
        plainOk = plainDelete(plain, id, w);
        plainDt = performance.now() - t;
      };
      if (d % 2 === 0) timePlain();
      const t = performance.now();
      const res = engine.delete(removal);
      const dt = performance.now() - t;
      if (d % 2 === 1) timePlain();
      if (res.certified !== plainOk) throw new Error('the plain-loop check disagrees with the engine');
      if (!res.certified) break;
      if (d < warmup) continue;
      out.push(dt * 1000);
      plainUs.push(plainDt * 1000);
    }
    const st = engine.state;
    for (let t = 0; t < st.iterations.length; t++)
      if (!st.iterations[t].sums.every((x, i) => x === plain.sums[t][i]) || !st.iterations[t].counts.every((x, j) => x === plain.counts[t][j]))
        throw new Error(`the plain-loop baseline's sums differ from the engine's at iteration ${t + 1}`);
    return out;
  }
  /**
   * Baseline: the same certified deletion of one example as plain loops over preallocated typed
   * arrays — look the id up (binary search over the sorted ids), refuse a seed or a drop of k_eff,
   * walk its path (centroid positions, nearest centroid, the leave-one-out mean's grid index), and
   * when every iteration passes, subtract it from the sums and counts along its path and drop it
   * from the id → weight map. It leaves out what is rare (a lost representative) and the
   * engine's bookkeeping for batches and for the retrain path: the floor for the engine's check.
   */
  interface PlainModel {
    ids: readonly string[];
    weight: Float64Array; // live weight per point (0: removed)
    real: Float64Array;
    fixed: Int32Array;
    live: Map<string, number>; // id → weight, as the state's assignment map
    distinct: number;
    k: number;
    kParam: number;
    D: number;
    eps: number;
    phase: Float64Array;
    grids: Int32Array[]; // t = 0 .. stop
    sums: Float64Array[]; // t = 1 .. stop
    counts: Float64Array[];
    seeds: Set<string>; // initial seeds and reseeds
    centroids: Float64Array;
    path: Int32Array; // the cluster at each iteration
  }
  function plainModel(state: QkmState, points: PointSet): PlainModel {
    const T = state.iterations.length;
    return {
      ids: points.ids,
      weight: points.weight.slice(),
      real: points.real,
      fixed: points.fixed,
      live: new Map([...state.assignments].map(([id, [, w]]) => [id, w])),
      distinct: points.ids.length,
      k: state.k,
      kParam: state.params.k,
      D: points.dims,
      eps: state.params.eps,
      phase: state.phase,
      grids: [state.initGrid, ...state.iterations.map((it) => it.grid)],
      sums: state.iterations.map((it) => it.sums.slice()),
      counts: state.iterations.map((it) => it.counts.slice()),
      seeds: new Set([...state.initSeeds, ...state.iterations.flatMap((it) => it.reseeds.map((r) => r.id))]),
      centroids: new Float64Array(state.k * points.dims),
      path: new Int32Array(T),
    };
  }
  function plainDelete(m: PlainModel, id: string, w: number): boolean {
    const { D, k, eps, phase, centroids, path } = m;
    let lo = 0;
    let hi = m.ids.length - 1;
    let i = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const x = m.ids[mid];
      if (x === id) {
        i = mid;
        break;
      }
      if (x < id) lo = mid + 1;
      else hi = mid - 1;
    }
    if (i < 0 || m.weight[i] <= 0) throw new Error(`no example ${id}`);
    const full = w >= m.weight[i];
    if (Math.min(m.kParam, m.distinct - (full ? 1 : 0)) !== k) return false;
    if (m.seeds.has(id)) return false;
    const T = m.sums.length;
    for (let t = 1; t <= T; t++) {
      const prev = m.grids[t - 1];
      for (let x = 0, c = 0; x < k * D; x++) {
        centroids[x] = (prev[x] - phase[c] + 0.5) * eps;
        if (++c === D) c = 0;
      }
      let best = 0;
      let bestDist = Infinity;
      for (let j = 0; j < k; j++) {
        let d = 0;
        for (let c = 0; c < D; c++) {
          const diff = m.real[i * D + c] - centroids[j * D + c];
          d += diff * diff;
        }
        if (d < bestDist) {
          bestDist = d;
          best = j;
        }
      }
      path[t - 1] = best;
      const sums = m.sums[t - 1];
      const count = m.counts[t - 1][best] - w;
      if (count <= 0) return false;
      for (let c = 0; c < D; c++) {
        const mean = (sums[best * D + c] - w * m.fixed[i * D + c]) / count / 1048576;
        if (Math.floor(mean / eps + phase[c] - 0.5 + 0.5) !== m.grids[t][best * D + c]) return false;
      }
    }
    for (let t = 1; t <= T; t++) {
      const j = path[t - 1];
      m.counts[t - 1][j] -= w;
      for (let c = 0; c < D; c++) m.sums[t - 1][j * D + c] -= w * m.fixed[i * D + c];
    }
    m.weight[i] -= w;
    if (m.weight[i] <= 0) {
      m.live.delete(id);
      m.distinct--;
    } else m.live.set(id, m.weight[i]);
    return true;
  }
  function summary(r: DeletionRun) {
    const f = r.certified / r.deletions;
    const check = median(r.checkUs) / 1000;
    const retrain = median(r.scratchMs);
    return {
      n: r.n,
      deletions: r.deletions,
      certifiedFraction: r3(f),
      predictedCertifiedFraction: r3(r.predicted),
      ve: r3(r.ve),
      iterations: r.iterations,
      checkMedianUs: r3(median(r.checkUs)),
      retrainMedianMs: r3(retrain),
      retrainPathMedianMs: r3(median(r.retrainPathMs)),
      meanDeletionMs: r3(mean(r.allMs)),
      deleteMedianMs: r3(median(r.allMs)),
      expectedSpeedup: r3(retrain / (check + (1 - f) * retrain)),
      /** The same formula with the predicted certified fraction: a measured 300/300 can be luck (ALGORITHMS.md §3). */
      expectedSpeedupFromPredicted: r3(retrain / (check + (1 - r.predicted) * retrain)),
      measuredSpeedup: r3(retrain / mean(r.allMs)),
      verifiedAgainstScratch: r.verified,
      equal: r.equal,
    };
  }
  log(`deletion: ${DELETIONS} seeded deletions at n = ${all.ids.length}…`);
  for (let w = 0; w < 2; w++) train(all, params); // warm the JIT so the retrain baseline is not inflated
  const exact = runDeletions(all, params, DELETIONS, 10);
  const plainUs: number[] = [];
  const WARMUP = 200;
  const warm = await warmCheckUs(all, params, WARMUP, DELETIONS, plainUs);
  const deletion = {
    ...summary(exact),
    checkMedianUs: r3(median(warm)),
    plainCheckMedianUs: r3(median(plainUs)),
    checkToPlain: r3(median(warm) / median(plainUs)),
    checkP10Us: r3(quantile(warm, 0.1)),
    checkP90Us: r3(quantile(warm, 0.9)),
    plainCheckP90Us: r3(quantile(plainUs, 0.9)),
    checkInSequenceMedianUs: r3(median(exact.checkUs)),
    warmChecks: warm.length,
    warmupChecks: WARMUP,
    warmupPauses: `${WARMUP_ROUNDS} × ${WARMUP_PAUSE_MS} ms`,
    checkNote:
      'checkMedianUs: a certified deletion (check + in-place update) on one engine, hot, after the warm-up (rounds of untimed deletions, each followed by a pause in which V8 finishes compiling the check in the background); plainCheckMedianUs: the same deletion as plain loops (lookup, check, update of sums, counts and the id map) in the same run; checkInSequenceMedianUs: the certified ones of the verified sequence (a retrain every 10 deletions in between)',
  };

  // ---- trade-off: ε × k at the full size (certified over the same seeded deletions, no hash check).
  const tradeoff: Record<string, unknown>[] = [];
  const grid = quick
    ? []
    : [
        [8, 0.05],
        [8, 0.1],
        [8, 0.15],
        [8, 0.2],
        [4, 0.1],
        [16, 0.1],
        [16, 0.2],
      ];
  for (const [k, eps] of grid) {
    log(`trade-off k=${k} ε=${eps}…`);
    const s = summary(runDeletions(all, { ...params, k, eps }, DELETIONS, 0, 3));
    tradeoff.push({ k, eps, ...s });
  }

  // ---- scaling: prefixes of the data set (n = distinct examples).
  const scaling: Record<string, unknown>[] = [];
  for (const n of quick ? [] : [1000, 5000, 20000]) {
    log(`scaling n=${n}…`);
    const s = summary(runDeletions(pointsOfPrefix(n), params, Math.min(DELETIONS, n >> 2), 10));
    scaling.push(s);
  }
  scaling.push(deletion);

  const build = bundleDir() ? 'esbuild bundle, as dist/ (bench/asShipped.ts)' : 'from source through tsx (--from-source)';
  console.log(JSON.stringify({ params, build, embedding, training, deletion, tradeoff, scaling }));
  if (deletion.equal !== deletion.verifiedAgainstScratch || scaling.some((s) => s.equal !== s.verifiedAgainstScratch)) process.exitCode = 1;
}
