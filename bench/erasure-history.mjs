// Issue 9 item 1: does an erasure get slower with every erasure before it? On SST-2 train,
// default settings: a single CLI `erase delete --skip-scan --keep-model` (median of --n) with no
// earlier erasure, then again after --history earlier erasures, each its own audited transaction
// made through `erase delete --requests FILE.jsonl` (one request per line) in batches of --batch,
// as a user's would be — no file is written behind the CLI's back. `erase status --json` and
// `erase audit verify` are timed before and after too, all beside a bare `node -e 0` of the same
// run. Prints JSON and a table with after/before ratios.
//
// usage: node bench/erasure-history.mjs [--data ../shared/datasets/sst2/train.tsv] [--n 5] [--history 10000] [--batch 1000]
//                                       [--cli dist/cli.js] [--keep DIR] (--keep: leave the workspace there, e.g. to profile)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { statusIds } from './statusIds.mjs';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: resolve(root, '..', 'shared', 'datasets', 'sst2', 'train.tsv') },
    n: { type: 'string', default: '5' },
    history: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '1000' },
    cli: { type: 'string', default: join(root, 'dist', 'cli.js') },
    keep: { type: 'string' },
  },
});
const cli = resolve(values.cli);
if (!existsSync(cli)) throw new Error('build first: npm run build');
if (!existsSync(values.data)) {
  console.log(`skipped: ${values.data} is absent (SST-2 train is needed for this benchmark)`);
  process.exit(0);
}
const N = Number(values.n);
const HISTORY = Number(values.history);
const BATCH = Number(values.batch);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const r4 = (x) => +x.toPrecision(4);
const wall = (cmd, args, cwd) => {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} → exit ${r.status}: ${r.error ?? r.stderr.slice(0, 2000)}`);
  return { ms, stdout: r.stdout };
};
const dir = values.keep ? resolve(values.keep) : mkdtempSync(join(tmpdir(), 'erase-bench-history-'));
mkdirSync(dir, { recursive: true });
const erase = (...args) => wall(process.execPath, [cli, ...args], dir);
const size = (rel) => (existsSync(join(dir, rel)) ? statSync(join(dir, rel)).size : 0);

try {
  erase('import', values.data, '--text-col', 'sentence', '--label-col', 'label', '--header', '--out', 'data.jsonl', '--json');
  erase('init', '--data', 'data.jsonl', '--json');
  erase('cluster', '--json');
  const ids = statusIds(erase);
  if (ids.length < HISTORY + 2 * N + 10) throw new Error(`${ids.length} examples: too few for ${HISTORY} erasures`);
  let s = 2024 >>> 0; // seeded choice of victims (benchmark scheduling only)
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pool = [...ids];
  const take = () => pool.splice(Math.floor(rnd() * pool.length), 1)[0];

  /** One phase's figures: node start, single deletes, status, audit verify — interleaved so load drifts hit all alike. */
  const phase = (label) => {
    const nodeStart = [];
    const deletes = [];
    const status = [];
    let certified = 0;
    for (let i = 0; i < N; i++) {
      nodeStart.push(wall(process.execPath, ['-e', '0'], dir).ms);
      const r = erase('delete', '--id', take(), '--skip-scan', '--keep-model', '--json');
      deletes.push(r.ms);
      if (JSON.parse(r.stdout).certified) certified++;
      status.push(erase('status', '--json').ms);
    }
    const auditVerifyMs = erase('audit', 'verify', '--json').ms;
    const out = {
      label,
      nodeStartMs: r4(median(nodeStart)),
      deleteMedianMs: r4(median(deletes)),
      deletesMs: deletes.map(r4),
      certified: `${certified}/${N}`,
      statusMedianMs: r4(median(status)),
      auditVerifyMs: r4(auditVerifyMs),
      deleteToStart: r4(median(deletes) / median(nodeStart)),
      files: { 'requests.jsonl': size('.erase/requests.jsonl'), 'audit.jsonl': size('.erase/audit/audit.jsonl') },
    };
    console.error(
      `${label}: delete ${out.deleteMedianMs} ms (${out.certified} certified), status ${out.statusMedianMs} ms, audit verify ${out.auditVerifyMs} ms, node ${out.nodeStartMs} ms`,
    );
    return out;
  };

  const before = phase('before');
  const batches = [];
  let made = 0;
  while (made < HISTORY) {
    const count = Math.min(BATCH, HISTORY - made);
    const file = join(dir, `history-${batches.length}.jsonl`);
    const lines = [];
    for (let i = 0; i < count; i++) lines.push(JSON.stringify({ requestId: `HIST-${made + i}`, ids: [take()] }));
    writeFileSync(file, lines.join('\n') + '\n');
    const ms = erase('delete', '--requests', file, '--skip-scan', '--keep-model').ms;
    rmSync(file);
    made += count;
    batches.push({ count, ms: r4(ms), msPerErasure: r4(ms / count) });
    console.error(`history: ${made}/${HISTORY} erasures, this batch ${(ms / 1000).toFixed(1)} s (${(ms / count).toFixed(1)} ms each)`);
  }
  const after = phase(`after ${made}`);
  const ratio = (k) => r4(after[k] / before[k]);
  const result = {
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadAverage1m: +loadavg()[0].toFixed(2) },
    n: ids.length,
    earlierErasures: made,
    before,
    after,
    historyBatches: batches,
    ratios: { delete: ratio('deleteMedianMs'), status: ratio('statusMedianMs'), auditVerify: ratio('auditVerifyMs'), nodeStart: ratio('nodeStartMs') },
  };
  console.log(JSON.stringify(result));
  const row = (what, b, a) => `| ${what} | ${b} | ${a} | ${r4(a / b)}× |`;
  console.log(
    [
      `| n = ${ids.length}, ${made} earlier erasures | before | after | after/before |`,
      '|---|---|---|---|',
      row('node -e 0 (ms, median)', before.nodeStartMs, after.nodeStartMs),
      row(`erase delete --skip-scan (ms, median of ${N})`, before.deleteMedianMs, after.deleteMedianMs),
      row('erase status --json (ms, median)', before.statusMedianMs, after.statusMedianMs),
      row('erase audit verify (ms)', before.auditVerifyMs, after.auditVerifyMs),
      row('delete / node start', before.deleteToStart, after.deleteToStart),
      row('.erase/requests.jsonl (bytes, appended, never rewritten)', before.files['requests.jsonl'], after.files['requests.jsonl']),
      row('.erase/audit/audit.jsonl (bytes)', before.files['audit.jsonl'], after.files['audit.jsonl']),
    ].join('\n'),
  );
  console.log(`certified: before ${before.certified}, after ${after.certified}; history: ${batches.map((b) => `${b.msPerErasure}`).join(', ')} ms per erasure by batch`);
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
