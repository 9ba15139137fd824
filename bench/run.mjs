// The one benchmark entry point (`npm run bench`): in-process engine figures, the built CLI end
// to end, and scaling, each beside a baseline from the same run. Prints ONE JSON object and a
// table; with --json the table goes to stderr so stdout is pure JSON.
//
// usage: node bench/run.mjs [--quick] [--json]      (npm run bench -- --quick --json)
//   --quick: n = 60k only (no ε/k trade-off, no smaller n, no 1,000,000 row), fewer CLI repetitions.
//   full: also n = 1,000,000 SST-2 sentence pairs through the CLI (bench/scale.mjs: minutes, several GB of RAM).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
const quick = values.quick;
const out = values.json ? (s) => process.stderr.write(s + '\n') : (s) => process.stdout.write(s + '\n');
const progress = (s) => process.stderr.write(`[bench] ${s}\n`);
const sst2 = resolve(root, '..', 'shared', 'datasets', 'sst2', 'train.tsv');
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadAverage1m: +loadavg()[0].toFixed(2) };

if (!existsSync(sst2)) {
  const msg = `skipped: ${sst2} is absent (the benchmark needs the shared data sets folder next to the repository)`;
  console.log(values.json ? JSON.stringify({ skipped: msg, machine }) : msg);
  process.exit(0);
}
const median = (a) => (a.length ? [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] : NaN);
const r3 = (x) => (Number.isFinite(x) ? +x.toPrecision(4) : x);
const wall = (cmd, args, opts = {}) => {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} → exit ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
};

// ---- in process (engine)
progress(`in-process engine${quick ? ' (quick: n = 60k only)' : ''}…`);
const inproc = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'inprocess.bench.ts'), ...(quick ? ['--quick'] : [])], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 1 << 26,
});
if (inproc.status !== 0) throw new Error(`bench/inprocess.bench.ts failed (exit ${inproc.status})`);
const engine = JSON.parse(inproc.stdout);

// ---- end to end through the built CLI: SST-2 train, default settings.
const cli = join(root, 'dist', 'cli.js');
progress('building the CLI (npm run build)…');
// The build's output goes to stderr: stdout carries only the result.
const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
if (build.status !== 0 || !existsSync(cli)) throw new Error('npm run build failed');
progress('end to end: workspace of SST-2 train through the built CLI…');
const dir = mkdtempSync(join(tmpdir(), 'erase-bench-'));
const erase = (...args) => wall(process.execPath, [cli, ...args], { cwd: dir });
erase('import', sst2, '--text-col', 'sentence', '--label-col', 'label', '--header', '--out', 'data.jsonl', '--json');
erase('init', '--data', 'data.jsonl', '--json');
const clusterMs = erase('cluster', '--json').ms;
const ids = JSON.parse(erase('status', '--json', '--ids').stdout).ids;
const nodeStart = [];
for (let i = 0; i < 7; i++) nodeStart.push(wall(process.execPath, ['-e', '0']).ms);
let s = 2024 >>> 0; // seeded choice of victims (benchmark scheduling only)
const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const pool = [...ids];
const deletes = [];
const receipts = [];
for (let i = 0; i < (quick ? 5 : 9); i++) {
  const [id] = pool.splice(Math.floor(rnd() * pool.length), 1);
  const r = erase('delete', '--id', id, '--skip-scan', '--keep-model', '--json');
  deletes.push(r.ms);
  receipts.push(JSON.parse(r.stdout));
}
const verifies = [];
let verifiedEqual = 0;
for (let i = 0; i < (quick ? 2 : 3); i++) {
  const r = erase('verify', '--json');
  verifies.push(r.ms);
  if (JSON.parse(r.stdout).equal) verifiedEqual++;
}
rmSync(dir, { recursive: true, force: true });
const endToEnd = {
  n: ids.length,
  clusterMs: r3(clusterMs),
  nodeStartMs: r3(median(nodeStart)),
  deleteMedianMs: r3(median(deletes)),
  deleteEngineUpdateMedianMs: r3(median(receipts.map((r) => r.updateMs))),
  deletions: deletes.length,
  certified: receipts.filter((r) => r.certified).length,
  verifyMs: r3(median(verifies)),
  verifiedEqual: `${verifiedEqual}/${verifies.length}`,
  deleteToStart: r3(median(deletes) / median(nodeStart)),
  verifyToDelete: r3(median(verifies) / median(deletes)),
};

// ---- the residual-copy scan after an erasure (issue 9 item 3): its own workspace with 10 git revisions.
progress('residual-copy scan: 60k workspace with 10 git revisions (bench/residual-scan.mjs)…');
const scanBench = spawnSync(process.execPath, [join(root, 'bench', 'residual-scan.mjs'), '--json'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 1 << 26,
});
if (scanBench.status !== 0) throw new Error(`bench/residual-scan.mjs failed (exit ${scanBench.status})`);
const residualScan = JSON.parse(scanBench.stdout).residualScan;

// ---- scaling beyond the shared data sets (full run only): 1,000,000 SST-2 sentence pairs through the CLI.
let large = null;
if (!quick) {
  progress('scaling: 1,000,000 sentence pairs through the built CLI (bench/scale.mjs; minutes, GBs)…');
  const scale = spawnSync(process.execPath, [join(root, 'bench', 'scale.mjs'), '--json', '--cli', cli], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  });
  if (scale.status !== 0) throw new Error(`bench/scale.mjs failed (exit ${scale.status})`);
  large = JSON.parse(scale.stdout);
  if (large.skipped) progress(`scaling: skipped: ${large.skipped}`);
}

const d = engine.deletion;
const result = {
  machine,
  command: `npm run bench${quick ? ' -- --quick' : ''}${values.json ? ' --json' : ''}`,
  params: engine.params,
  engineBuild: engine.build,
  deletion: d,
  training: engine.training,
  embedding: engine.embedding,
  endToEnd,
  scaling: [
    ...engine.scaling.map((x) => ({
      n: x.n,
      certifiedFraction: x.certifiedFraction,
      predictedCertifiedFraction: x.predictedCertifiedFraction,
      deleteMedianMs: x.deleteMedianMs,
      verifyMs: x.retrainMedianMs,
      where: 'in process',
    })),
    { n: endToEnd.n, certifiedFraction: r3(endToEnd.certified / endToEnd.deletions), deleteMedianMs: endToEnd.deleteMedianMs, verifyMs: endToEnd.verifyMs, where: 'CLI' },
    ...(large && !large.skipped
      ? [
          {
            n: large.n,
            certifiedFraction: large.certifiedFraction,
            deleteMedianMs: large.deleteMedianMs,
            verifyMs: large.verifyMs,
            where: 'CLI, SST-2 sentence pairs',
            firstDeleteMs: large.firstDeleteMs,
            dataFileCopyMs: large.dataFileCopyMs,
            statusMs: large.statusMs,
            clusterMs: large.clusterMs,
            nodeStartMs: large.nodeStartMs,
            deleteTo60k: r3(large.deleteMedianMs / endToEnd.deleteMedianMs),
            deleteMinusCopyTo60k: r3(large.deleteMinusCopyMs / endToEnd.deleteMedianMs),
            verifiedEqual: large.verifiedEqual,
          },
        ]
      : []),
  ],
  scalingNote: quick ? 'quick run: n = 60k only' : large?.skipped ? `n = 1,000,000 skipped: ${large.skipped}` : 'n = 1,000,000: SST-2 sentence pairs (bench/sentence-pairs.mjs)',
  tradeoff: engine.tradeoff,
  residualScan,
};
console.log(values.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));

const f = (x, dgt = 3) => (typeof x === 'number' ? String(+x.toPrecision(dgt)) : String(x));
out(`\nmachine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, load ${machine.loadAverage1m}`);
out(`in-process engine: ${engine.build}`);
out('\n| figure | value | baseline (same run) | ratio | target |');
out('|---|---|---|---|---|');
out(`| certificate check, hot (median) | ${f(d.checkMedianUs)} µs | plain-loop check ${f(d.plainCheckMedianUs)} µs | ${f(d.checkToPlain)}× | ≤ 10 µs |`);
out(`| retrain from scratch (median) | ${f(d.retrainMedianMs)} ms | hot check | ${f((d.retrainMedianMs * 1000) / d.checkMedianUs)}× | |`);
out(`| certificate check, in a sequence (median) | ${f(d.checkInSequenceMedianUs)} µs | (point set rebuilt between deletions) | | |`);
out(`| certified / predicted (n = ${d.n}, ${d.deletions} deletions) | ${f(d.certifiedFraction)} / ${f(d.predictedCertifiedFraction)} | VE ${f(d.ve)} | | ≥ 0.99, VE ≥ 0.85 |`);
out(
  `| expected speed-up per deletion | ${f(d.expectedSpeedup)}× (from predicted: ${f(d.expectedSpeedupFromPredicted)}×) | measured mean ${f(d.meanDeletionMs)} ms → ${f(d.measuredSpeedup)}× | | ≥ 100× |`,
);
out(`| exactness (sampled deletions = retrain by state hash) | ${d.equal}/${d.verifiedAgainstScratch} | | | all |`);
const t = engine.training;
out(`| Lloyd iteration (n ${t.n}, D ${t.dims}, k ${t.k}) | ${f(t.msPerIteration)} ms | plain Float64Array loop ${f(t.floorMsPerIteration)} ms | ${f(t.ratioToFloor)}× | ≤ 1.5× |`);
out(`| seeding (k-means++ race, keyed hashes) | ${f(t.seedingMs)} ms | | | reported |`);
const e = engine.embedding;
out(`| embedding (hashing + projection) | ${e.hashingPerSec}/s, 1 thread | 2 workers ${e.twoWorkersPerSec}/s | ${f(e.workerSpeedup)}× | pays? |`);
out(
  `| CLI delete (median of ${endToEnd.deletions}, n ${endToEnd.n}) | ${f(endToEnd.deleteMedianMs)} ms | node -e 0: ${f(endToEnd.nodeStartMs)} ms | ${f(endToEnd.deleteToStart)}× | |`,
);
out(`| … of which the clustering update (receipt updateMs) | ${f(endToEnd.deleteEngineUpdateMedianMs)} ms | | | |`);
out(
  `| residual scan after an erasure (n ${residualScan.n}, ${residualScan.revisions} git revisions): delete with − without | ${f(residualScan.scanMs)} ms | node -e 0: ${f(residualScan.nodeStartMs)} ms | ${f(residualScan.scanMs / residualScan.nodeStartMs)}× | ≤ 300 ms |`,
);
out(`| CLI verify (retrain + compare) | ${f(endToEnd.verifyMs)} ms | delete ${f(endToEnd.deleteMedianMs)} ms | ${f(endToEnd.verifyToDelete)}× | |`);
out('\n| scaling n | certified | predicted | delete median ms | verify (retrain) ms | where |');
out('|---|---|---|---|---|---|');
for (const x of result.scaling)
  out(
    `| ${x.n} | ${f(x.certifiedFraction)} | ${x.predictedCertifiedFraction === undefined ? '–' : f(x.predictedCertifiedFraction)} | ${f(x.deleteMedianMs)} | ${f(x.verifyMs)} | ${x.where} |`,
  );
const big = result.scaling.find((x) => x.deleteTo60k !== undefined);
if (big)
  out(
    `\nat n ${big.n}: delete ${f(big.deleteMedianMs)} ms = ${f(big.deleteTo60k)}× the 60k CLI delete (target ≤ 2× apart from copying the data file: copy ${f(big.dataFileCopyMs)} ms, delete − copy = ${f(big.deleteMinusCopyTo60k)}×); first delete ${f(big.firstDeleteMs)} ms, status ${f(big.statusMs)} ms, cluster ${f(big.clusterMs)} ms`,
  );
if (engine.tradeoff.length) {
  out('\n| k | ε | iterations | certified | predicted | VE | expected speed-up | from predicted |');
  out('|---|---|---|---|---|---|---|---|');
  for (const x of engine.tradeoff)
    out(
      `| ${x.k} | ${x.eps} | ${x.iterations} | ${f(x.certifiedFraction)} | ${f(x.predictedCertifiedFraction)} | ${f(x.ve)} | ${f(x.expectedSpeedup)}× | ${f(x.expectedSpeedupFromPredicted)}× |`,
    );
}
if (d.equal !== d.verifiedAgainstScratch || verifiedEqual !== verifies.length) process.exitCode = 1;
