// Acceptance run through the real CLI on a real data set: import, init, cluster, then N single
// erasures of seeded-random examples, each followed by `erase verify` (a retrain from scratch).
// Prints JSON and a table; compares the clustering update of each erasure with the retrain that
// `verify` does in the same run (a ratio, since these machines are noisy).
//
// usage: node bench/cli-erasures.mjs [--data ../shared/datasets/sst2/dev.tsv] [--n 60] [--eps 0.1|auto] [--k 8]
//                                     [--text-col sentence --label-col label --header | --text-col 0 --label-col 1]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'dist', 'cli.js');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(root, '..', 'shared', 'datasets', 'sst2', 'dev.tsv') },
    n: { type: 'string', default: '60' },
    eps: { type: 'string' },
    k: { type: 'string' },
    'text-col': { type: 'string', default: 'sentence' },
    'label-col': { type: 'string', default: 'label' },
    header: { type: 'boolean', default: true },
    'no-header': { type: 'boolean' },
    seed: { type: 'string', default: '1' },
  },
});
if (!existsSync(cli)) throw new Error('build first: npm run build');
if (!existsSync(values.data)) {
  console.error(`skipped: ${values.data} is absent`);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'erase-bench-'));
const run = (...args) => {
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`erase ${args.join(' ')} → exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
const header = values.header && !values['no-header'];
const imp = run('import', values.data, '--text-col', values['text-col'], '--label-col', values['label-col'], ...(header ? ['--header'] : []), '--out', 'data.jsonl');
run('init', '--data', 'data.jsonl', ...(values.eps ? ['--eps', values.eps] : []), ...(values.k ? ['--k', values.k] : []));
const t0 = performance.now();
const cl = run('cluster');
const clusterMs = performance.now() - t0;
const ids = run('status', '--ids').ids;

let s = Number(values.seed) >>> 0; // seeded choice of victims (benchmark scheduling only)
const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const N = Math.min(Number(values.n), ids.length - cl.k);
const rows = [];
const pool = [...ids];
for (let i = 0; i < N; i++) {
  const [id] = pool.splice(Math.floor(rnd() * pool.length), 1);
  const r = run('delete', '--id', id);
  const v = run('verify');
  rows.push({ certified: r.certified, retrainedFrom: r.retrainedFrom, updateMs: r.updateMs, eraseMs: r.ms, verifyMs: v.ms, equal: v.equal, promptChanged: r.promptChanged });
}
const certified = rows.filter((r) => r.certified);
const mean = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);
const checkMs = mean(certified.map((r) => r.updateMs));
const retrainMs = mean(rows.map((r) => r.verifyMs));
const fraction = certified.length / rows.length;
const result = {
  data: values.data,
  rowsImported: imp.records,
  n: cl.n,
  distinct: cl.distinct,
  k: cl.k,
  eps: cl.eps,
  epsNote: cl.epsNote ?? null,
  epsTried: cl.epsTried ?? null,
  iterations: cl.iterations,
  ve: cl.ve,
  predictedCertified: cl.predictedCertified,
  clusterMs,
  erasures: rows.length,
  certified: certified.length,
  certifiedFraction: fraction,
  verifiedEqual: rows.filter((r) => r.equal).length,
  promptChanged: rows.filter((r) => r.promptChanged).length,
  meanCertifiedUpdateMs: checkMs,
  meanVerifyRetrainMs: retrainMs,
  retrainOverCheck: retrainMs / checkMs,
  expectedSpeedup: 1 / (1 - fraction + checkMs / retrainMs),
  meanCliEraseMs: mean(rows.map((r) => r.eraseMs)),
};
console.log(JSON.stringify(result, null, 2));
const f = (x, d = 3) => (typeof x === 'number' ? x.toFixed(d) : String(x));
console.log(`
| data | n | k | ε | iter | VE | predicted | erasures | certified | verify equal | check ms | retrain ms | retrain/check |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
| ${values.data.split('/').slice(-2).join('/')} | ${result.n} | ${result.k} | ${result.eps} | ${result.iterations} | ${f(result.ve)} | ${f(result.predictedCertified)} | ${rows.length} | ${certified.length} (${f(100 * fraction, 1)}%) | ${result.verifiedEqual}/${rows.length} | ${f(checkMs)} | ${f(retrainMs, 1)} | ${f(result.retrainOverCheck, 0)}× |`);
if (result.verifiedEqual !== rows.length) process.exitCode = 1;
