// Cost of one audit-log append as the log grows: the frontier path (O(log n), the default)
// against the full-verify path (forced with verify: 'full', what every append did before), both
// measured in the same run at the same log sizes, median of --reps appends each. Then one whole
// `erase delete` through the built CLI on a small workspace, after ~0 and after --n earlier audit
// entries, with the frontier (as shipped) and with frontier.json removed before each run (so the
// append verifies the whole log, as before). Prints JSON and a table.
// usage: npm run build && node --import tsx bench/audit-append.bench.ts [--n 10000] [--reps 5] [--cli-reps 3]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { appendEntry, FRONTIER_FILE, MemoryKeyStore, type AuditEntryInput, type KeyStore, type TreeHead } from '../src/core/audit';
import { EraseWorkspace } from '../src/core/workspace';
import { loadMeta, saveMeta } from '../src/core/workspace/persisted';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    reps: { type: 'string', default: '5' },
    'cli-reps': { type: 'string', default: '3' },
  },
});
const N = Number(values.n);
const REPS = Number(values.reps);
const CLI_REPS = Number(values['cli-reps']);
const AT = [0, 1000, 5000, 10000].filter((s) => s <= N);
const root = resolve(__dirname, '..');
const cli = join(root, 'dist', 'cli.js');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number): number => Math.round(x * 100) / 100;

function noteInput(i: number): AuditEntryInput {
  const h = (i % 997).toString(16).padStart(64, '0');
  return {
    requestId: `bench-${i}`,
    time: '2026-11-30T00:00:00.000Z',
    action: 'note',
    stateHashBefore: h,
    stateHashAfter: h,
    certified: false,
    retrained: false,
    promptChanged: false,
    toolVersion: 'erase-workbench/bench',
    notes: `benchmark entry ${i}`,
  };
}

/** Appends entries until the log has `size` of them (frontier path); returns the head. */
async function growTo(dir: string, keyStore: KeyStore, head: TreeHead | undefined, size: number): Promise<TreeHead | undefined> {
  let h = head;
  for (let i = h?.size ?? 0; i < size; i++) h = (await appendEntry(dir, noteInput(i), { keyStore, expectedHead: h })).head;
  return h;
}

async function timedAppends(dir: string, keyStore: KeyStore, head: TreeHead | undefined, verify: 'frontier' | 'full'): Promise<{ ms: number[]; head: TreeHead }> {
  const ms: number[] = [];
  let h = head;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    h = (await appendEntry(dir, noteInput(h?.size ?? 0), { keyStore, expectedHead: h, verify })).head;
    ms.push(performance.now() - t0);
  }
  return { ms, head: h! };
}

async function appendBench(): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'erase-bench-audit-'));
  const keyStore = new MemoryKeyStore();
  const rows: Record<string, unknown>[] = [];
  let head: TreeHead | undefined;
  const t0 = performance.now();
  for (const at of AT) {
    head = await growTo(dir, keyStore, head, at);
    // Same sizes (within 2·reps entries) for both paths; the frontier path first, so it starts from the frontier the growth left.
    const frontier = await timedAppends(dir, keyStore, head, 'frontier');
    const full = await timedAppends(dir, keyStore, frontier.head, 'full');
    head = full.head;
    rows.push({ priorEntries: at, frontierMs: round(median(frontier.ms)), fullVerifyMs: round(median(full.ms)), speedup: round(median(full.ms) / median(frontier.ms)) });
    console.error(`  ${at} prior entries: frontier ${round(median(frontier.ms))} ms, full ${round(median(full.ms))} ms`);
  }
  const totalS = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  console.error(`  appended ${head?.size} entries in ${totalS.toFixed(1)} s`);
  return rows;
}

function run(cwd: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`erase ${args.join(' ')} → exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function smallWorkspace(): { dir: string; ids: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'erase-bench-delete-'));
  const words = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold'];
  const nouns = ['film', 'plot', 'score', 'cast', 'ending', 'script'];
  const lines = Array.from({ length: 120 }, (_, i) =>
    JSON.stringify({ input: `a ${words[(i * 7) % 10]} and ${words[(i * 3 + 1) % 10]} ${nouns[i % 6]} number ${i}`, output: i % 2 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  run(dir, 'init', '--data', 'data.jsonl', '--k', '4', '--eps', '0.1');
  run(dir, 'cluster');
  return { dir, ids: JSON.parse(run(dir, 'status', '--json', '--ids')).ids as string[] };
}

/** Adds `count` entries to the workspace's log with its own key store, and records the new head in its meta (as an erasure would). */
async function addEntries(dir: string, count: number): Promise<void> {
  const ws = EraseWorkspace.open(dir);
  const meta = loadMeta(ws.paths)!;
  let head: TreeHead | undefined = meta.auditHead;
  for (let i = 0; i < count; i++) head = (await appendEntry(ws.paths.auditDir, noteInput(i), { keyStore: ws.keyStore, expectedHead: head })).head;
  saveMeta(ws.paths, { ...meta, auditHead: head });
}

async function deleteBench(): Promise<Record<string, unknown>[]> {
  if (!existsSync(cli)) {
    console.error('  skipped the CLI part: build first (npm run build)');
    return [];
  }
  const rows: Record<string, unknown>[] = [];
  for (const earlier of [0, N]) {
    const { dir, ids } = smallWorkspace();
    if (earlier > 0) await addEntries(dir, earlier);
    const auditDir = join(dir, '.erase', 'audit');
    const times: Record<'frontier' | 'full', number[]> = { frontier: [], full: [] };
    let next = 0;
    for (let r = 0; r < CLI_REPS; r++) {
      for (const mode of ['frontier', 'full'] as const) {
        if (mode === 'full') rmSync(join(auditDir, FRONTIER_FILE), { force: true });
        const t0 = performance.now();
        run(dir, 'delete', '--id', ids[next++], '--skip-scan', '--keep-model');
        times[mode].push(performance.now() - t0);
      }
    }
    rows.push({
      earlierAuditEntries: earlier,
      deleteMsFrontier: round(median(times.frontier)),
      deleteMsFullVerify: round(median(times.full)),
    });
    console.error(`  erase delete after ${earlier} entries: frontier ${round(median(times.frontier))} ms, full ${round(median(times.full))} ms`);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

void (async () => {
  console.error(`audit append benchmark: ${N} entries, median of ${REPS} appends per size, ${CLI_REPS} CLI deletes per case`);
  const appends = await appendBench();
  const deletes = await deleteBench();
  console.log(JSON.stringify({ node: process.version, n: N, reps: REPS, cliReps: CLI_REPS, appends, deletes }, null, 2));
  console.log('\nprior entries | append, frontier (ms) | append, full verify (ms) | full / frontier');
  console.log('------------- | --------------------- | ------------------------ | ---------------');
  for (const r of appends) console.log(`${r.priorEntries} | ${r.frontierMs} | ${r.fullVerifyMs} | ${r.speedup}×`);
  if (deletes.length > 0) {
    console.log('\nearlier audit entries | erase delete, frontier (ms) | erase delete, frontier.json removed (ms)');
    console.log('--------------------- | --------------------------- | ----------------------------------------');
    for (const r of deletes) console.log(`${r.earlierAuditEntries} | ${r.deleteMsFrontier} | ${r.deleteMsFullVerify}`);
  }
})();
