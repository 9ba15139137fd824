import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, erase, tempDir } from './cliHarness';
import { EraseWorkspace, recoverPending, reconcile, eraseRequest } from '../../src/core/workspace';
import { loadMeta } from '../../src/core/workspace/persisted';
import { receiveRequest } from '../../src/core/workspace/requests';
import { verifyLog } from '../../src/core/audit';
import { HashingEmbedder } from '../../src/core/embed/hashing';
import { toFixed } from '../../src/core/fixedpoint';
import { Projection } from '../../src/core/qkmeans/projection';
import { recordCompletion } from '../../src/core/workspace/provenance';
import { readProvenance, type CompletionRecord } from '../../src/core/provenance/store';

/**
 * The fault matrix: every state-changing action, killed (SIGKILL) at every one of its write steps
 * in turn — deterministically, by ERASE_FAULT_AT (src/core/storage/writeSteps.ts). After each kill:
 * the next start recovers; the data file lost nothing it should keep (all or nothing); the audit
 * log verifies against the head kept outside it; running the action again completes it; a later
 * erasure works; and the state equals a brand-new workspace built from the data file alone.
 * Completion provenance rides along: the base workspace holds recorded answers (as text) that
 * repeat their examples, so a crash must never leave an answer that used an erased example.
 */

const REQUEST_ID = 'REQ-matrix';
/** Every step by default; npm test takes every STRIDE-th (npm run test:faults runs them all). */
const STRIDE = Math.max(1, Number(process.env.FAULT_MATRIX_STRIDE ?? 1));

async function baseWorkspace(): Promise<{ dir: string; ids: string[]; lines: string[] }> {
  const dir = tempDir('matrix-base');
  const words = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold'];
  const nouns = ['film', 'plot', 'score', 'cast', 'ending', 'script'];
  const lines: string[] = [];
  for (let i = 0; i < 90; i++) {
    const text = `a ${words[(i * 7) % 10]} and ${words[(i * 3 + 1) % 10]} ${nouns[i % 6]} number ${i}`;
    lines.push(JSON.stringify(i % 9 === 0 ? { id: `ex-${i}`, input: text, output: i % 2 ? 'positive' : 'negative' } : { input: text, output: i % 2 ? 'positive' : 'negative' }));
    if (i === 40) lines.push('{"input": a malformed line kept byte for byte');
  }
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  assert.equal(erase(dir, 'init', '--data', 'data.jsonl', '--k', '4', '--eps', '0.1').code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  const ids = erase(dir, 'status', '--json', '--ids').json().ids as string[];
  await recordAnswers(dir, { answers: 'text', onErase: 'erase' });
  return { dir, ids, lines: readFileSync(join(dir, 'data.jsonl'), 'utf8').split('\n') };
}

/**
 * One recorded completion per example, whose prompt held it and the next one and whose answer
 * repeats its text (the "erased means gone" scan of every file then also covers the answers),
 * and one without examples.
 */
async function recordAnswers(dir: string, provenance: { answers: 'text' | 'hash'; onErase: 'erase' | 'flag' }): Promise<void> {
  const file = join(dir, '.erase', 'config.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), provenance }, null, 2));
  rmSync(join(dir, '.erase', 'provenance.jsonl'), { force: true });
  const ws = EraseWorkspace.open(dir);
  const examples = ws.loadDataset().examples;
  const time = '2026-11-30T08:00:00.000Z';
  for (let i = 0; i < examples.length; i++) {
    const ids = [examples[i].id, examples[(i + 1) % examples.length].id];
    await recordCompletion(ws, { time, source: 'complete', model: 'm', ids, answer: `the model repeats: ${examples[i].input}` });
  }
  await recordCompletion(ws, { time, source: 'eval', model: 'm', ids: [], answer: 'zero-shot' });
}

function provenanceRecords(dir: string): CompletionRecord[] {
  return readProvenance(join(dir, '.erase', 'provenance.jsonl')).records;
}

function datasetIds(dir: string): Set<string> {
  return new Set(
    EraseWorkspace.open(dir)
      .loadDataset()
      .examples.map((e) => e.id),
  );
}

/**
 * Provenance after a kill: no recorded answer uses one of `gone`; every record lost used an id in
 * `followed` (nothing else is lost, nothing is invented); in flag mode nothing is lost at all.
 */
function checkProvenance(dir: string, before: readonly CompletionRecord[], gone: ReadonlySet<string>, followed: ReadonlySet<string>, where: string): void {
  const now = provenanceRecords(dir);
  const leftover = now.filter((r) => r.ids.some((id) => gone.has(id)));
  assert.equal(leftover.length, 0, `${where}: ${leftover.length} recorded answer(s) still use an erased example`);
  const beforeIds = new Set(before.map((r) => r.id));
  assert.ok(
    now.every((r) => beforeIds.has(r.id)),
    `${where}: a record appeared`,
  );
  const kept = new Set(now.map((r) => r.id));
  const lost = before.filter((r) => !kept.has(r.id));
  const wronglyLost = lost.filter((r) => !r.ids.some((id) => followed.has(id)));
  assert.equal(wronglyLost.length, 0, `${where}: ${wronglyLost.length} record(s) lost that used no erased example`);
  const flagMode = JSON.parse(readFileSync(join(dir, '.erase', 'config.json'), 'utf8')).provenance?.onErase === 'flag';
  if (flagMode) assert.equal(lost.length, 0, `${where}: flag mode lost ${lost.length} record(s)`);
}

interface Action {
  readonly name: string;
  /** Prepares a fresh copy (hand edits, a waiting request). */
  setup(dir: string): Promise<void> | void;
  readonly args: string[];
  /** Lines the action may remove from the data file (what it erases). */
  readonly erases?: (line: string) => boolean;
  /** Ids that stay in the data file but whose old content the action erases (an explicit-id text edited by hand). */
  readonly editedIds?: readonly string[];
}

function dropLines(dir: string, pred: (line: string, i: number) => boolean): void {
  const file = join(dir, 'data.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n');
  writeFileSync(file, lines.filter((l, i) => !pred(l, i)).join('\n'));
}

function editLine(dir: string, marker: string, from: string, to: string): void {
  const file = join(dir, 'data.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, marker);
  lines[i] = lines[i].replace(from, to);
  writeFileSync(file, lines.join('\n'));
}

function addLines(dir: string, texts: string[]): void {
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, readFileSync(file, 'utf8') + texts.map((t) => JSON.stringify({ input: t, output: 'positive' }) + '\n').join(''));
}

function actions(ids: string[]): Action[] {
  return [
    { name: 'delete', setup: () => {}, args: ['delete', '--id', ids[5], '--request-id', REQUEST_ID, '--skip-scan', '--keep-model'], erases: (l) => l.includes('number 5"') },
    {
      name: 'delete with unreconciled hand edits',
      setup: (d) => dropLines(d, (_, i) => i === 11),
      args: ['delete', '--id', ids[5], '--request-id', REQUEST_ID, '--skip-scan', '--keep-model'],
      erases: (l) => l.includes('number 5"'),
    },
    {
      name: 'request run',
      setup: async (d) => {
        await receiveRequest(EraseWorkspace.open(d), { requestId: REQUEST_ID, match: { kind: 'text', value: 'number 2' }, time: '2026-11-30T00:00:00.000Z' });
      },
      args: ['request', 'run', REQUEST_ID],
      erases: (l) => l.includes('number 2'),
    },
    {
      name: 'request refuse',
      setup: async (d) => {
        await receiveRequest(EraseWorkspace.open(d), { requestId: REQUEST_ID, match: { kind: 'text', value: 'number 3' }, time: '2026-11-30T00:00:00.000Z' });
      },
      args: ['request', 'refuse', REQUEST_ID, '--reason', 'legal hold'],
    },
    { name: 'reconcile (lines removed by hand)', setup: (d) => dropLines(d, (_, i) => i === 3 || i === 17), args: ['reconcile'] },
    { name: 'reconcile (lines added by hand)', setup: (d) => addLines(d, ['a freshly added example about a film', 'another new line about a plot']), args: ['reconcile'] },
    { name: 'cluster after a hand removal', setup: (d) => dropLines(d, (_, i) => i === 23), args: ['cluster'] },
    {
      name: 'reconcile (an explicit-id text edited by hand)',
      setup: (d) => editLine(d, '"id":"ex-18"', 'number 18', 'number eighteen, edited'),
      args: ['reconcile'],
      editedIds: ['ex-18'],
    },
    {
      name: 'delete with provenance.onErase flag (answers hashed)',
      setup: (d) => recordAnswers(d, { answers: 'hash', onErase: 'flag' }),
      args: ['delete', '--id', ids[5], '--request-id', REQUEST_ID, '--skip-scan', '--keep-model'],
      erases: (l) => l.includes('number 5"'),
    },
  ];
}

/** How many write steps one run of the action has (a traced, uninterrupted run). */
function countSteps(dir: string, args: string[]): number {
  const trace = join(dir, '..', `${Math.abs(hashCode(dir))}.trace`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, ERASE_FAULT_TRACE: trace }, encoding: 'utf8' });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  const n = existsSync(trace) ? readFileSync(trace, 'utf8').trim().split('\n').length : 0;
  rmSync(trace, { force: true });
  return n;
}

function hashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

async function freshHash(dir: string): Promise<string> {
  const fresh = tempDir('matrix-oracle');
  cpSync(join(dir, 'data.jsonl'), join(fresh, 'data.jsonl'));
  const cfg = JSON.parse(readFileSync(join(dir, '.erase', 'config.json'), 'utf8'));
  const ws = EraseWorkspace.init(join(fresh, 'data.jsonl'), { k: cfg.k, eps: cfg.eps, seed: cfg.seed, dims: cfg.dims });
  const r = await ws.cluster();
  rmSync(fresh, { recursive: true, force: true });
  return r.stateHash;
}

/** Every regular file below `dir`, except git's object store (history is the residual scan's job). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '.git') out.push(...filesUnder(p));
    } else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Files directly in the OS temp folder (where older releases left search-pattern files). */
/** A file's bytes, or null when it went away after it was listed (other processes share the OS temp folder). */
function readIfStillThere(f: string): Buffer | null {
  try {
    return readFileSync(f);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function looseTempFiles(): string[] {
  return readdirSync(tmpdir(), { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(tmpdir(), e.name));
}

async function auditOk(ws: EraseWorkspace): Promise<void> {
  const report = await verifyLog(ws.paths.auditDir, { expectedHead: loadMeta(ws.paths)?.auditHead });
  assert.ok(report.ok, JSON.stringify(report.problems));
}

/**
 * After a kill: the next start recovers; nothing the action does not erase is lost, and what it
 * erases is gone all or nothing; the audit log verifies; the action run again completes; the state
 * equals a brand-new workspace's; a later erasure works and stays exact.
 */
async function checkAfterKill(
  dir: string,
  action: Action,
  before: Buffer,
  where: string,
  base: { readonly ids: readonly string[]; readonly idsBefore: ReadonlySet<string>; readonly records: readonly CompletionRecord[] },
): Promise<'completed' | 'rolled back or nothing pending'> {
  const ws = EraseWorkspace.open(dir);
  const rec = await recoverPending(ws, ws.keyStore);
  await auditOk(ws);
  // Provenance after recovery: what the action erased from the data file has left every recorded answer
  // (when the action committed, so has what was removed by hand before it).
  const present = datasetIds(dir);
  const baseGone = new Set(base.ids.filter((id) => !present.has(id)));
  const followed = new Set([...baseGone, ...(action.editedIds ?? [])]);
  const erasedByAction = new Set([...base.idsBefore].filter((id) => !present.has(id)));
  checkProvenance(dir, base.records, rec?.outcome === 'completed' ? followed : erasedByAction, followed, `${where}, after recovery`);
  // Nothing lost: every line of the file before the action is still there unless it was erased.
  const after = readFileSync(join(dir, 'data.jsonl'), 'utf8').split('\n');
  const kept = new Set(after);
  const missing = before
    .toString('utf8')
    .split('\n')
    .filter((l) => !kept.has(l));
  const lost = missing.filter((l) => !action.erases?.(l));
  assert.equal(lost.length, 0, `${where}: ${lost.length} line(s) lost that the action does not erase`);
  // All or nothing: either every line the action erases is gone, or none is.
  if (action.erases) {
    const erasedNow = missing.length;
    const erasable = before
      .toString('utf8')
      .split('\n')
      .filter((l) => action.erases!(l)).length;
    assert.ok(erasedNow === 0 || erasedNow === erasable, `${where}: ${erasedNow} of ${erasable} lines erased (partial)`);
  }
  assert.ok(after.includes('{"input": a malformed line kept byte for byte'), `${where}: the malformed line was lost`);
  // The action again: completes it (or finds it done), then the state equals a fresh workspace's.
  const again = spawnSync(process.execPath, [CLI, ...action.args], { cwd: dir, encoding: 'utf8' });
  if (action.name !== 'request refuse' || again.status !== 2) assert.equal(again.status, 0, `${where}: re-run failed: ${again.stderr}`);
  const ws2 = EraseWorkspace.open(dir);
  assert.equal((await reconcile(ws2, {}, ws2.keyStore)).changed, false, `${where}: hand edits left unreconciled after the re-run`);
  assert.equal(ws2.status().stateHash, await freshHash(dir), `${where}: state differs from a brand-new workspace`);
  await auditOk(ws2);
  {
    const presentNow = datasetIds(dir);
    const goneNow = new Set([...base.ids.filter((id) => !presentNow.has(id)), ...(action.editedIds ?? [])]);
    checkProvenance(dir, base.records, goneNow, goneNow, `${where}, after the re-run`);
    // Erased means gone from the cluster state too: no state file (an old page, a leftover state.json) names an id no longer in the data file.
    const erasedIds = base.ids.filter((id) => !presentNow.has(id)).map((id) => Buffer.from(JSON.stringify(id)));
    for (const f of filesUnder(join(dir, '.erase', 'state'))) {
      const bytes = readIfStillThere(f);
      assert.ok(!bytes || !erasedIds.some((id) => bytes.includes(id)), `${where}: ${f} still names an erased id`);
    }
  }
  // Erased means gone, even after a kill: no file of the workspace (a killed writer's temp file,
  // a cache, a log) and no loose file in the temp folder holds an erased text.
  if (action.erases) {
    const erased = before
      .toString('utf8')
      .split('\n')
      .filter((l) => action.erases!(l))
      .map((l) => JSON.parse(l).input as string);
    const texts = erased.map((t) => Buffer.from(t));
    // Their vectors too (embedding cache and point store slots are zeroed in place).
    const cfg = JSON.parse(readFileSync(join(dir, '.erase', 'config.json'), 'utf8'));
    const vectors = erased.flatMap((t) => {
      const raw = toFixed(new HashingEmbedder().embedText(t));
      return [raw, new Projection(cfg.seed, raw.length, cfg.dims).project(raw)].map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    });
    for (const f of [...filesUnder(dir), ...looseTempFiles()]) {
      const bytes = readIfStillThere(f);
      if (!bytes) continue;
      assert.ok(!texts.some((t) => bytes.includes(t)), `${where}: ${f} still holds an erased text`);
      assert.ok(!vectors.some((v) => bytes.includes(v)), `${where}: ${f} still holds an erased vector`);
    }
  }
  // A later erasure works and stays exact.
  const another = ws2.loadDataset().examples.find((e) => e.input.includes('number 7'))!;
  await eraseRequest(ws2, { kind: 'ids', ids: [another.id] }, { scan: false, unloadModel: false });
  assert.equal(ws2.status().stateHash, await freshHash(dir), `${where}: state after a later erasure differs from a brand-new workspace`);
  await auditOk(ws2);
  return rec?.outcome === 'completed' ? 'completed' : 'rolled back or nothing pending';
}

test('fault matrix: every action killed at every write step recovers, loses nothing, verifies and equals a brand-new workspace', async () => {
  const base = await baseWorkspace();
  const totals: Record<string, { steps: number; completed: number; rolledBackOrNothingPending: number }> = {};
  let violations = 0;
  for (const action of actions(base.ids)) {
    const probe = tempDir('matrix-probe');
    cpSync(base.dir, probe, { recursive: true });
    await action.setup(probe);
    // as each run below does: reading the baseline ids rebuilds the data-file index of the copy first,
    // so the probe must too, or it counts the index's write steps that the runs no longer make
    datasetIds(probe);
    const steps = countSteps(probe, action.args);
    rmSync(probe, { recursive: true, force: true });
    assert.ok(steps > 3, `${action.name}: only ${steps} write steps traced`);
    totals[action.name] = { steps, completed: 0, rolledBackOrNothingPending: 0 };
    for (let at = 1; at <= steps; at += STRIDE) {
      const dir = tempDir('matrix');
      cpSync(base.dir, dir, { recursive: true });
      await action.setup(dir);
      const before = readFileSync(join(dir, 'data.jsonl'));
      const baseline = { ids: base.ids, idsBefore: datasetIds(dir), records: provenanceRecords(dir) };
      const r = spawnSync(process.execPath, [CLI, ...action.args], { cwd: dir, env: { ...process.env, ERASE_FAULT_AT: String(at) }, encoding: 'utf8' });
      const where = `${action.name}, killed at step ${at}/${steps}`;
      try {
        assert.equal(r.signal, 'SIGKILL', `${where}: expected a kill (exit ${r.status}: ${r.stderr})`);
        const outcome = await checkAfterKill(dir, action, before, where, baseline);
        if (outcome === 'completed') totals[action.name].completed++;
        else totals[action.name].rolledBackOrNothingPending++;
      } catch (e) {
        violations++;
        throw e;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  console.log(
    `fault matrix: ${JSON.stringify({ actions: Object.keys(totals).length, stride: STRIDE, stepsPerAction: Object.values(totals).map((t) => t.steps), kills: Object.values(totals).reduce((s, t) => s + t.completed + t.rolledBackOrNothingPending, 0), violations, totals })}`,
  );
  rmSync(base.dir, { recursive: true, force: true });
});

/** A tiny seeded generator (test scheduling only; nothing here shapes product state). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function runKilledAfter(dir: string, args: string[], ms: number): Promise<boolean> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: 'ignore' });
    let killed = false;
    const timer = setTimeout(() => (killed = child.kill('SIGKILL')), ms);
    child.on('close', () => {
      clearTimeout(timer);
      done(killed);
    });
  });
}

const RANDOM_TRIALS = Number(process.env.FAULT_TRIALS ?? 14);

test(`random SIGKILL trials across every action (${RANDOM_TRIALS})`, { timeout: 60 * 60 * 1000 }, async () => {
  const base = await baseWorkspace();
  const list = actions(base.ids);
  const rnd = lcg(20261130);
  // How long each action runs here, to spread the kills over it.
  const spans = new Map<string, number>();
  for (const action of list) {
    const probe = tempDir('random-probe');
    cpSync(base.dir, probe, { recursive: true });
    await action.setup(probe);
    const t0 = performance.now();
    assert.equal(spawnSync(process.execPath, [CLI, ...action.args], { cwd: probe }).status, 0, action.name);
    spans.set(action.name, performance.now() - t0);
    rmSync(probe, { recursive: true, force: true });
  }
  const stats = { trials: 0, killed: 0, completed: 0, rolledBackOrNothingPending: 0 };
  for (let t = 0; t < RANDOM_TRIALS; t++) {
    const action = list[t % list.length];
    const dir = tempDir('random');
    cpSync(base.dir, dir, { recursive: true });
    await action.setup(dir);
    const before = readFileSync(join(dir, 'data.jsonl'));
    const baseline = { ids: base.ids, idsBefore: datasetIds(dir), records: provenanceRecords(dir) };
    const killed = await runKilledAfter(dir, action.args, rnd() * spans.get(action.name)! * 1.1);
    stats.trials++;
    if (killed) stats.killed++;
    const outcome = await checkAfterKill(dir, action, before, `${action.name}, random trial ${t}${killed ? '' : ' (finished before the kill)'}`, baseline);
    if (outcome === 'completed') stats.completed++;
    else stats.rolledBackOrNothingPending++;
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`random kills across actions: ${JSON.stringify({ ...stats, violations: 0 })}`);
  rmSync(base.dir, { recursive: true, force: true });
});
