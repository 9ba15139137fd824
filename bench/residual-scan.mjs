// Issue 9 item 3: the residual-copy scan after an erasure, on the SST-2 train workspace (60k)
// inside a git repository holding 10 committed revisions of the data file. Measures, through the
// built CLI, `erase delete --id X` with the scan and the same delete with `--skip-scan` (their
// difference is what the scan adds), and `erase scan` alone, beside a bare `node -e 0` of the same run.
// Prints one JSON object (stdout) and a table (stderr with --json).
//
// With --baseline <another cli.js> (e.g. a copy of dist/ before a change), every measured command
// is run with both CLIs, alternating, in the same workspace, and the baseline's figures are printed
// beside (the workspace is built with --cli; both must read the same workspace format).
//
// Then the scan's parts, timed in process on the same workspace (bench/residual-phases.ts).
//
// usage: node bench/residual-scan.mjs [--json] [--runs 3] [--data ../shared/datasets/sst2/train.tsv] [--cli dist/cli.js] [--baseline /tmp/dist-before/cli.js] [--keep]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { childCpuMs } from './childCpu.mjs';

const REVISIONS = 10;
const CHANGED_PER_COMMIT = 50;

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    data: { type: 'string', default: resolve(root, '..', 'shared', 'datasets', 'sst2', 'train.tsv') },
    cli: { type: 'string', default: join(root, 'dist', 'cli.js') },
    baseline: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const out = values.json ? (s) => process.stderr.write(s + '\n') : (s) => process.stdout.write(s + '\n');
const progress = (s) => process.stderr.write(`[residual-scan] ${s}\n`);
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadAverage1m: +loadavg()[0].toFixed(2) };
if (!existsSync(values.data)) {
  const msg = `skipped: ${values.data} is absent (the benchmark needs the shared data sets folder next to the repository)`;
  console.log(values.json ? JSON.stringify({ skipped: msg, machine }) : msg);
  process.exit(0);
}
const cli = resolve(values.cli);
if (!existsSync(cli)) throw new Error('build first: npm run build');
const baseline = values.baseline === undefined ? undefined : resolve(values.baseline);
if (baseline !== undefined && !existsSync(baseline)) throw new Error(`no baseline CLI at ${baseline}`);
const clis = baseline === undefined ? [cli] : [cli, baseline];
const runs = Math.max(3, Number(values.runs));
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const r3 = (x) => +x.toPrecision(4);

const dir = mkdtempSync(join(tmpdir(), 'erase-bench-scan-'));
const wall = (cmd, args, input, okCodes = [0]) => {
  const t = performance.now();
  const c = childCpuMs();
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28, input });
  const ms = performance.now() - t;
  const cpuMs = c === null ? NaN : childCpuMs() - c;
  if (!okCodes.includes(r.status)) throw new Error(`${[cmd, ...args].join(' ')} → exit ${r.status}: ${r.stderr}`);
  return { ms, cpuMs, stdout: r.stdout };
};
const erase = (args, input, okCodes, which = cli) => wall(process.execPath, [which, ...args, '--json'], input, okCodes);
// The bench repository's own identity and fixed dates: no dependence on the user's git config or the clock.
const gitEnvArgs = ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null'];
const git = (...args) => {
  const r = spawnSync('git', [...gitEnvArgs, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} → exit ${r.status}: ${r.stderr}`);
};

try {
  progress(`workspace of ${values.data} (import, init, cluster)…`);
  erase(['import', values.data, '--text-col', 'sentence', '--label-col', 'label', '--header', '--out', 'data.jsonl']);
  // Explicit ids, so the benchmark knows each victim's text (the scan's needle).
  const rows = readFileSync(join(dir, 'data.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => ({ id: `ex-${i}`, ...JSON.parse(l) }));
  const line = (r) => JSON.stringify(r);
  writeFileSync(join(dir, 'data.jsonl'), rows.map(line).join('\n') + '\n');
  erase(['init', '--data', 'data.jsonl']);
  erase(['cluster']);

  // Seeded (benchmark scheduling only): the lines that change between revisions, then the victims.
  let s = 2024 >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const order = rows.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const changed = order.slice(0, (REVISIONS - 1) * CHANGED_PER_COMMIT);
  progress(`git repository: ${REVISIONS} revisions of data.jsonl, ${CHANGED_PER_COMMIT} lines changed per commit…`);
  git('init', '-q');
  writeFileSync(join(dir, '.gitignore'), '.erase/\n');
  // Revision r holds a draft of every changed line whose batch is ≥ r; the last revision is the data file as it is.
  for (let r = 0; r < REVISIONS; r++) {
    const draft = new Map();
    changed.forEach((i, j) => {
      if (Math.floor(j / CHANGED_PER_COMMIT) >= r) draft.set(i, { ...rows[i], input: `${rows[i].input} (draft ${r})` });
    });
    writeFileSync(join(dir, 'data.jsonl'), rows.map((row, i) => line(draft.get(i) ?? row)).join('\n') + '\n');
    git('add', '.gitignore', 'data.jsonl');
    git('commit', '-q', '-m', `data revision ${r + 1}`);
  }

  // Victims: in every revision, with a text of their own (no other line holds it), long enough to be searched.
  const changedSet = new Set(changed);
  const texts = rows.map((r) => r.input);
  const victims = [];
  for (const i of order.slice(changed.length)) {
    if (victims.length === 2 * runs * clis.length) break;
    const t = texts[i];
    if (changedSet.has(i) || t.trim().length < 20) continue;
    if (texts.some((u, k) => k !== i && u.includes(t))) continue;
    victims.push(i);
  }

  const nodeStart = [];
  const nodeStartCpu = [];
  for (let i = 0; i < 5; i++) {
    const r = wall(process.execPath, ['-e', '0']);
    nodeStart.push(r.ms);
    nodeStartCpu.push(r.cpuMs);
  }
  // Per CLI: the deletes with and without the scan, then the scan alone; the CLIs alternate run by run.
  const measured = clis.map(() => ({ withScan: [], skipScan: [], withScanCpu: [], skipScanCpu: [], scanHits: [], scanAlone: [], scanAloneCpu: [], scanReport: undefined }));
  progress(`erase delete, with and without the scan (${runs} each, alternating${baseline ? ', both CLIs' : ''})…`);
  let v = 0;
  for (let k = 0; k < runs; k++) {
    for (let c = 0; c < clis.length; c++) {
      const m = measured[(c + k) % clis.length];
      const which = clis[(c + k) % clis.length];
      const a = erase(['delete', '--id', rows[victims[v++]].id, '--keep-model'], undefined, undefined, which);
      m.withScan.push(a.ms);
      m.withScanCpu.push(a.cpuMs);
      const res = JSON.parse(a.stdout);
      m.scanHits.push(res.residuals?.hits?.length ?? res.residualScan?.hits?.length ?? null);
      const b = erase(['delete', '--id', rows[victims[v++]].id, '--keep-model', '--skip-scan'], undefined, undefined, which);
      m.skipScan.push(b.ms);
      m.skipScanCpu.push(b.cpuMs);
    }
  }
  progress(`erase scan alone (${runs} runs, the erased texts on stdin)…`);
  const needles = victims.map((i) => texts[i]).join('\n') + '\n';
  for (let k = 0; k < runs; k++) {
    for (let c = 0; c < clis.length; c++) {
      const m = measured[(c + k) % clis.length];
      const r = erase(['scan'], needles, [0, 1], clis[(c + k) % clis.length]); // 1: copies found
      m.scanAlone.push(r.ms);
      m.scanAloneCpu.push(r.cpuMs);
      m.scanReport = JSON.parse(r.stdout);
    }
  }
  // The scan's parts, in process (this build's source, one text as after a delete): bench/residual-phases.ts.
  progress("the scan's parts, in process (bench/residual-phases.ts)…");
  const phaseRun = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'residual-phases.ts'), dir, '--runs', String(runs)], {
    cwd: root,
    encoding: 'utf8',
    input: texts[victims[0]] + '\n',
  });
  const scanPhases = phaseRun.status === 0 ? JSON.parse(phaseRun.stdout) : { skipped: `bench/residual-phases.ts failed (exit ${phaseRun.status})` };
  const figures = (m) => ({
    n: rows.length,
    revisions: REVISIONS,
    scanMs: r3(median(m.withScan) - median(m.skipScan)),
    deleteWithScanMs: r3(median(m.withScan)),
    deleteSkipScanMs: r3(median(m.skipScan)),
    scanAloneMs: r3(median(m.scanAlone)),
    nodeStartMs: r3(median(nodeStart)),
    scanAloneNeedles: victims.length,
    scanAloneHits: m.scanReport.hits?.length ?? null,
    deleteScanHits: m.scanHits,
    runs,
    cpuMs: {
      scan: r3(median(m.withScanCpu) - median(m.skipScanCpu)),
      deleteWithScan: r3(median(m.withScanCpu)),
      deleteSkipScan: r3(median(m.skipScanCpu)),
      scanAlone: r3(median(m.scanAloneCpu)),
      nodeStart: r3(median(nodeStartCpu)),
    },
  });

  const result = {
    machine,
    command: `node bench/residual-scan.mjs${values.json ? ' --json' : ''}${baseline ? ` --baseline ${values.baseline}` : ''}`,
    residualScan: figures(measured[0]),
    scanPhases,
    ...(baseline
      ? { baseline: { cli: baseline, residualScan: figures(measured[1]), sameScanReport: JSON.stringify(measured[0].scanReport) === JSON.stringify(measured[1].scanReport) } }
      : {}),
  };
  console.log(values.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
  out(`\nmachine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, load ${machine.loadAverage1m}`);
  const table = (x, tag) => {
    const c = x.cpuMs;
    out(`\n| figure${tag} (n ${x.n}, ${x.revisions} revisions, median of ${runs}) | wall ms | CPU ms | node -e 0 (same run): wall / CPU | wall ratio | target |`);
    out('|---|---|---|---|---|---|');
    const row = (label, ms, cpu, target = '') => out(`| ${label} | ${ms} | ${cpu} | ${x.nodeStartMs} / ${c.nodeStart} | ${r3(ms / x.nodeStartMs)}× | ${target} |`);
    row('erase delete, with the scan', x.deleteWithScanMs, c.deleteWithScan);
    row('erase delete --skip-scan', x.deleteSkipScanMs, c.deleteSkipScan);
    row('what the scan adds (difference)', x.scanMs, c.scan, '≤ 300 ms');
    row(`erase scan alone (${x.scanAloneNeedles} texts, ${x.scanAloneHits} hits)`, x.scanAloneMs, c.scanAlone);
  };
  table(result.residualScan, '');
  if (scanPhases.phasesMs) {
    out(
      `\nthe scan's parts, in process (source of this tree, 1 text, no CLI start), ms from its start when each ends, median of ${scanPhases.runs}; files and git history overlap:`,
    );
    out(`| ${Object.keys(scanPhases.phasesMs).join(' | ')} | CPU ms (this process; git children not counted) |`);
    out(`|${'---|'.repeat(Object.keys(scanPhases.phasesMs).length + 1)}`);
    out(`| ${Object.values(scanPhases.phasesMs).join(' | ')} | ${scanPhases.cpuMsThisProcess} |`);
  } else out(`\nthe scan's parts: ${scanPhases.skipped}`);
  if (result.baseline) {
    table(result.baseline.residualScan, `, baseline ${values.baseline}`);
    out(`\nsame \`erase scan\` report from both CLIs: ${result.baseline.sameScanReport}`);
  }
} finally {
  if (values.keep) progress(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
