// The scaling row of issue 9 at a size beyond the shared data sets (default 1,000,000 examples):
// a deterministic data set of SST-2 sentence pairs (bench/sentence-pairs.mjs), then through the
// built CLI: init, cluster, certified `erase delete --skip-scan --keep-model` (median of --deletes;
// the first one is reported apart: it pays one-off migrations), `status`, and one `erase verify`,
// each beside a bare `node -e 0` and a plain copy of the data file (the part of an erasure that
// grows with the data file by design: the rewrite without the erased line) from the same run.
// `npm run bench` (full) runs it; alone it prints the same row.
//
// usage: node bench/scale.mjs [--n 1000000] [--deletes 5] [--cli dist/cli.js] [--keep DIR] [--json]
//                             [--reuse DIR]   (a workspace this script kept: skip generate, init and cluster)
//                             [--skip-verify] (no full retrain at the end)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultSst2, writeSentencePairs } from './sentence-pairs.mjs';
import { childCpuMs } from './childCpu.mjs';
import { statusIds } from './statusIds.mjs';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    deletes: { type: 'string', default: '5' },
    cli: { type: 'string', default: join(root, 'dist', 'cli.js') },
    keep: { type: 'string' },
    reuse: { type: 'string' },
    'skip-verify': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const progress = (s) => process.stderr.write(`[bench scale] ${s}\n`);
const cli = resolve(values.cli);
if (!existsSync(cli)) throw new Error('build first: npm run build');
if (!existsSync(defaultSst2)) {
  console.log(JSON.stringify({ skipped: `${defaultSst2} is absent (the shared data sets folder next to the repository)` }));
  process.exit(0);
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const r4 = (x) => +x.toPrecision(4);
const wall = (cmd, args, cwd) => {
  const c = childCpuMs();
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 29 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} → exit ${r.status}: ${r.error ?? r.stderr.slice(0, 2000)}`);
  return { ms, cpuMs: c === null ? null : childCpuMs() - c, stdout: r.stdout };
};
const dir = values.reuse ? resolve(values.reuse) : values.keep ? resolve(values.keep) : mkdtempSync(join(tmpdir(), 'erase-bench-scale-'));
mkdirSync(dir, { recursive: true });
const erase = (...args) => wall(process.execPath, [cli, ...args, '--json'], dir);

try {
  const n = Number(values.n);
  let data = null;
  let clusterMs = null;
  if (!values.reuse) {
    progress(`generating ${n} sentence pairs…`);
    data = writeSentencePairs({ n, out: join(dir, 'data.jsonl') });
    progress('erase init…');
    erase('init', '--data', 'data.jsonl');
    progress('erase cluster (minutes at 1M)…');
    clusterMs = erase('cluster').ms;
  }
  const ids = statusIds(erase);
  const nodeStart = [];
  for (let i = 0; i < 5; i++) nodeStart.push(wall(process.execPath, ['-e', '0'], dir).ms);
  const copies = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    copyFileSync(join(dir, 'data.jsonl'), join(dir, 'copy.tmp'));
    copies.push(performance.now() - t);
    rmSync(join(dir, 'copy.tmp'));
  }
  let s = 2024 >>> 0; // seeded choice of victims (benchmark scheduling only)
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const one = () => {
    const id = ids[Math.floor(rnd() * ids.length)];
    const r = erase('delete', '--id', id, '--skip-scan', '--keep-model');
    return { ms: r.ms, cpuMs: r.cpuMs, receipt: JSON.parse(r.stdout) };
  };
  progress('certified deletions…');
  const first = one();
  const runs = [];
  for (let i = 0; i < Number(values.deletes); i++) runs.push(one());
  const statusMs = erase('status').ms;
  progress(values['skip-verify'] ? 'verify skipped (--skip-verify)' : 'erase verify (a full retrain)…');
  const verify = values['skip-verify'] ? null : erase('verify');
  const files = {};
  // A folder of many files (the data-file index's blocks) is summed up: { files, bytes }.
  const walk = (d, rel) => {
    const entries = readdirSync(d, { withFileTypes: true });
    const plain = entries.filter((e) => !e.isDirectory());
    if (plain.length > 10) files[rel] = { files: plain.length, bytes: plain.reduce((n, e) => n + statSync(join(d, e.name)).size, 0) };
    for (const e of entries) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else if (plain.length <= 10) files[`${rel}${e.name}`] = statSync(join(d, e.name)).size;
    }
  };
  walk(join(dir, '.erase'), '.erase/');
  files['data.jsonl'] = statSync(join(dir, 'data.jsonl')).size;
  const deleteMedianMs = median(runs.map((r) => r.ms));
  const result = {
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadAverage1m: +loadavg()[0].toFixed(2) },
    n: ids.length,
    dataSha256: data?.sha256 ?? null,
    clusterMs: clusterMs === null ? null : r4(clusterMs),
    nodeStartMs: r4(median(nodeStart)),
    dataFileCopyMs: r4(median(copies)),
    firstDeleteMs: r4(first.ms),
    deleteMedianMs: r4(deleteMedianMs),
    deletesMs: runs.map((r) => r4(r.ms)),
    deleteCpuMedianMs: runs[0]?.cpuMs == null ? null : median(runs.map((r) => r.cpuMs)),
    deletesCpuMs: runs.map((r) => r.cpuMs),
    certifiedFraction: r4(runs.filter((r) => r.receipt.certified).length / runs.length),
    deleteMinusCopyMs: r4(deleteMedianMs - median(copies)),
    statusMs: r4(statusMs),
    verifyMs: verify ? r4(verify.ms) : null,
    verifiedEqual: verify ? JSON.parse(verify.stdout).equal === true : null,
    files,
  };
  console.log(JSON.stringify(result));
  if (!values.json) {
    const f = (x) => String(+Number(x).toPrecision(4));
    process.stderr.write(
      [
        `\nmachine: ${result.machine.cpu}, ${result.machine.cores} cores, node ${result.machine.node}, load ${result.machine.loadAverage1m}`,
        '| n | cluster ms | first delete ms | delete median ms | delete CPU median ms | data-file copy ms | status ms | verify ms | node -e 0 ms | certified |',
        '|---|---|---|---|---|---|---|---|---|---|',
        `| ${result.n} | ${result.clusterMs === null ? '(reused)' : f(result.clusterMs)} | ${f(result.firstDeleteMs)} | ${f(result.deleteMedianMs)} | ${f(result.deleteCpuMedianMs)} | ${f(result.dataFileCopyMs)} | ${f(result.statusMs)} | ${f(result.verifyMs)} | ${f(result.nodeStartMs)} | ${f(result.certifiedFraction)} |`,
      ].join('\n') + '\n',
    );
  }
  if (result.verifiedEqual === false) process.exitCode = 1;
} finally {
  if (!values.keep && !values.reuse) rmSync(dir, { recursive: true, force: true });
}
