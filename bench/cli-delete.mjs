// The storage figure of issue 9 item 1: wall time of a certified CLI `erase delete --skip-scan`
// on SST-2 train, beside a bare `node -e 0` and one `erase verify` from the same run, with the
// sizes of the files an erasure touches. Lighter than `npm run bench` (no in-process engine part).
// The first erasure after `cluster` is reported apart (it pays one-off migrations, if any).
//
// usage: node bench/cli-delete.mjs [--data ../shared/datasets/sst2/train.tsv] [--n 5] [--verify] [--cli dist/cli.js] [--baseline DIR/cli.js]
//   (--cli: another build, e.g. a copy of dist/ kept inside the worktree to compare two commits in one run;
//    --baseline: a second build run on a copy of the same clustered workspace, its deletes interleaved with
//    --cli's (the same victims, one after the other), so that load drifts hit both alike)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { childCpuMs } from './childCpu.mjs';
import { statusIds } from './statusIds.mjs';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(root, '..', 'shared', 'datasets', 'sst2', 'train.tsv') },
    n: { type: 'string', default: '5' },
    verify: { type: 'boolean', default: false },
    cli: { type: 'string', default: join(root, 'dist', 'cli.js') },
    baseline: { type: 'string' },
  },
});
const cli = resolve(values.cli);
if (!existsSync(cli)) throw new Error('build first: npm run build');
if (!existsSync(values.data)) {
  console.log(`skipped: ${values.data} is absent`);
  process.exit(0);
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const r3 = (x) => +x.toPrecision(4);
const wall = (cmd, args, cwd) => {
  const c = childCpuMs();
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} → exit ${r.status}: ${r.stderr}`);
  return { ms, cpuMs: c === null ? null : childCpuMs() - c, stdout: r.stdout };
};
const dir = mkdtempSync(join(tmpdir(), 'erase-bench-delete-'));
const erase = (...args) => wall(process.execPath, [cli, ...args, '--json'], dir);
const baseline = values.baseline ? resolve(values.baseline) : null;
const baseDir = baseline ? mkdtempSync(join(tmpdir(), 'erase-bench-delete-baseline-')) : null;
const eraseBaseline = (...args) => wall(process.execPath, [baseline, ...args, '--json'], baseDir);
try {
  erase('import', values.data, '--text-col', 'sentence', '--label-col', 'label', '--header', '--out', 'data.jsonl');
  erase('init', '--data', 'data.jsonl');
  const clusterMs = erase('cluster').ms;
  const ids = statusIds(erase);
  if (baseDir) cpSync(dir, baseDir, { recursive: true });
  const nodeStart = [];
  const nodeStartCpu = [];
  for (let i = 0; i < 5; i++) {
    const r = wall(process.execPath, ['-e', '0'], dir);
    nodeStart.push(r.ms);
    nodeStartCpu.push(r.cpuMs);
  }
  let s = 2024 >>> 0; // seeded choice of victims (benchmark scheduling only)
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pool = [...ids];
  const base = [];
  let baseFirst = null;
  const one = () => {
    const [id] = pool.splice(Math.floor(rnd() * pool.length), 1);
    // The two builds take turns on who goes first.
    const b = () => {
      if (!baseline) return;
      const r = eraseBaseline('delete', '--id', id, '--skip-scan', '--keep-model');
      const x = { ms: r.ms, receipt: JSON.parse(r.stdout) };
      if (baseFirst === null) baseFirst = x;
      else base.push(x);
    };
    nodeStart.push(wall(process.execPath, ['-e', '0'], dir).ms); // one per round: the load drifts
    if (pool.length % 2 === 0) b();
    const r = erase('delete', '--id', id, '--skip-scan', '--keep-model');
    if (pool.length % 2 === 1) b();
    return { ms: r.ms, cpuMs: r.cpuMs, receipt: JSON.parse(r.stdout) };
  };
  const first = one();
  const runs = [];
  for (let i = 0; i < Number(values.n); i++) runs.push(one());
  const verifyMs = values.verify ? erase('verify').ms : null;
  const baselineVerifyMs = values.verify && baseline ? eraseBaseline('verify').ms : null;
  const files = {};
  const walk = (d, rel) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else files[`${rel}${e.name}`] = statSync(join(d, e.name)).size;
    }
  };
  walk(join(dir, '.erase'), '.erase/');
  const result = {
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadAverage1m: +loadavg()[0].toFixed(2) },
    n: ids.length,
    clusterMs: r3(clusterMs),
    nodeStartMs: r3(median(nodeStart)),
    firstDeleteMs: r3(first.ms),
    deleteMedianMs: r3(median(runs.map((r) => r.ms))),
    deletesMs: runs.map((r) => r3(r.ms)),
    nodeStartCpuMs: nodeStartCpu[0] === null ? null : median(nodeStartCpu),
    deleteCpuMedianMs: runs[0].cpuMs === null ? null : median(runs.map((r) => r.cpuMs)),
    deletesCpuMs: runs.map((r) => r.cpuMs),
    certified: `${runs.filter((r) => r.receipt.certified).length}/${runs.length}`,
    deleteToStart: r3(median(runs.map((r) => r.ms)) / median(nodeStart)),
    verifyMs: verifyMs === null ? null : r3(verifyMs),
    verifyToDelete: verifyMs === null ? null : r3(verifyMs / median(runs.map((r) => r.ms))),
    files,
    ...(baseline
      ? {
          baseline: {
            cli: baseline,
            firstDeleteMs: r3(baseFirst.ms),
            deleteMedianMs: r3(median(base.map((r) => r.ms))),
            deletesMs: base.map((r) => r3(r.ms)),
            certified: `${base.filter((r) => r.receipt.certified).length}/${base.length}`,
            deleteToStart: r3(median(base.map((r) => r.ms)) / median(nodeStart)),
            verifyMs: baselineVerifyMs === null ? null : r3(baselineVerifyMs),
            verifyToDelete: baselineVerifyMs === null ? null : r3(baselineVerifyMs / median(base.map((r) => r.ms))),
          },
          deleteSpeedup: r3(median(base.map((r) => r.ms)) / median(runs.map((r) => r.ms))),
        }
      : {}),
  };
  console.log(JSON.stringify(result));
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (baseDir) rmSync(baseDir, { recursive: true, force: true });
}
