import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EraseWorkspace, eraseRequest, eraseRequestsFile, reconcile, recoverPending } from '../../src/core/workspace';
import { readLog, verifyLog } from '../../src/core/audit';
import { loadMeta } from '../../src/core/workspace/persisted';
import { requestStore } from '../../src/core/workspace/requestRecords';
import { onWriteStep } from '../../src/core/storage/writeSteps';
import { tamperStateHead } from './workspace.helpers';

/** A small deterministic data set. */
function workspace(n = 160): { dir: string; file: string; lines: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'erase-tx-'));
  const words = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold'];
  const lines: string[] = [];
  for (let i = 0; i < n; i++)
    lines.push(JSON.stringify({ input: `the ${words[(i * 7) % 10]} film was ${words[(i * 3 + 1) % 10]} (${i})`, output: i % 2 ? 'positive' : 'negative' }));
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return { dir, file, lines };
}

/** The oracle: a brand-new workspace on a copy of the data file, same parameters. */
async function freshHash(ws: EraseWorkspace): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'erase-oracle-'));
  cpSync(ws.dataFile, join(dir, 'data.jsonl'));
  const c = ws.config;
  const r = await EraseWorkspace.init(join(dir, 'data.jsonl'), { k: c.k, eps: c.eps, seed: c.seed, dims: c.dims }).cluster();
  rmSync(dir, { recursive: true, force: true });
  return r.stateHash;
}

async function auditOk(ws: EraseWorkspace): Promise<void> {
  const r = await verifyLog(ws.paths.auditDir, { expectedHead: loadMeta(ws.paths)?.auditHead });
  assert.ok(r.ok, JSON.stringify(r.problems));
}

function removeLine(file: string, index: number): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.splice(index, 1);
  writeFileSync(file, lines.join('\n'));
}

test('a line removed by hand, then verify, then reconcile: the removal is audited and the state equals a fresh workspace', async () => {
  const { file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  removeLine(file, 7);
  await ws.verify(); // used to rewrite the point store so that reconcile could no longer find the vector
  const r = await reconcile(ws);
  assert.equal(r.removedIds.length, 1);
  const log = await readLog(ws.paths.auditDir);
  assert.equal(log.entries.length, 1);
  assert.equal(log.entries[0].action, 'reconcile');
  assert.equal(log.entries[0].erasedCount, 1);
  assert.equal(ws.status().stateHash, await freshHash(ws));
  assert.equal(ws.status().outOfDate, false);
  await auditOk(ws);
});

test('erase cluster after a hand removal audits the removal instead of dropping it silently', async () => {
  const { file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  removeLine(file, 12);
  await ws.cluster();
  const log = await readLog(ws.paths.auditDir);
  assert.equal(log.entries.length, 1);
  assert.equal(log.entries[0].action, 'retrain');
  assert.equal(log.entries[0].erasedCount, 1);
  await auditOk(ws);
  // nothing left to reconcile: the cluster transaction took the removal
  assert.equal((await reconcile(ws)).changed, false);
});

test('an erasure with unreconciled hand edits reconciles them in the same transaction: verify equal, one entry', async () => {
  const { file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  removeLine(file, 3);
  writeFileSync(file, readFileSync(file, 'utf8') + JSON.stringify({ input: 'a line added by hand', output: 'positive' }) + '\n');
  const target = ws.loadDataset().examples[20];
  const { receipt } = await eraseRequest(ws, { kind: 'ids', ids: [target.id] }, { scan: false, unloadModel: false });
  assert.deepEqual(receipt.reconciled?.removedIds.length, 1);
  assert.deepEqual(receipt.reconciled?.addedIds.length, 1);
  assert.equal((await ws.verify()).equal, true);
  assert.equal(ws.status().stateHash, await freshHash(ws));
  const log = await readLog(ws.paths.auditDir);
  assert.equal(log.entries.length, 1);
  assert.equal(log.entries[0].erasedCount, 2, 'the requested example and the one removed by hand');
  await auditOk(ws);
});

test('committed erasure whose data-file rewrite fails, then a log read error: recovery stops with an error (never "rolled back"), then completes', async () => {
  const { file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const target = ws.loadDataset().examples[9];
  onWriteStep((step, path) => {
    if (step === 'write-temp' && path === ws.dataFile) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
  });
  try {
    await assert.rejects(eraseRequest(ws, { kind: 'ids', ids: [target.id] }, { requestId: 'REQ-io', scan: false, unloadModel: false }), /EACCES/);
  } finally {
    onWriteStep(null);
  }
  assert.ok(existsSync(ws.paths.intent), 'the intent stays until the erasure is finished');
  assert.equal((await readLog(ws.paths.auditDir)).entries.length, 1, 'the audit entry (commit point) was written');
  // The log cannot be read for a moment: an I/O error must not be taken as "not committed".
  const log = join(ws.paths.auditDir, 'audit.jsonl');
  renameSync(log, `${log}.away`);
  mkdirSync(log);
  await assert.rejects(recoverPending(ws, ws.keyStore), /EISDIR|illegal operation/);
  assert.ok(existsSync(ws.paths.intent), 'nothing rolled back');
  rmSync(log, { recursive: true });
  renameSync(`${log}.away`, log);
  const rec = await recoverPending(ws, ws.keyStore);
  assert.deepEqual(rec && { outcome: rec.outcome, action: rec.action }, { outcome: 'completed', action: 'erase' });
  assert.equal(ws.example(target.id), undefined, 'the erased line is gone from the data file');
  assert.equal(ws.status().stateHash, await freshHash(ws));
  assert.equal(requestStore(ws).get('REQ-io')?.status, 'erased', 'the request record is written by the roll-forward too');
  await auditOk(ws);
});

test('a requests file: one transaction per request; a failing request is reported, the others run; a re-run resumes', async () => {
  const { dir, file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const ex = ws.loadDataset().examples;
  const requests = join(dir, 'requests.jsonl');
  writeFileSync(
    requests,
    [
      JSON.stringify({ requester: 'a@example.com', ids: [ex[1].id] }),
      JSON.stringify({ requester: 'b@example.com', ids: ['no-such-id'] }),
      JSON.stringify({ requester: 'c@example.com', match: '(33)' }),
    ].join('\n') + '\n',
  );
  const first = await eraseRequestsFile(ws, requests, { scan: false, unloadModel: false });
  assert.deepEqual(
    first.map((r) => ('error' in r ? 'failed' : 'erased')),
    ['erased', 'failed', 'erased'],
  );
  const second = await eraseRequestsFile(ws, requests, { scan: false, unloadModel: false });
  assert.deepEqual(
    second.map((r) => ('error' in r ? 'failed' : r.outcome.receipt.alreadyDone ? 'done before' : 'erased')),
    ['done before', 'failed', 'done before'],
  );
  assert.equal((await readLog(ws.paths.auditDir)).entries.length, 2);
  assert.equal(ws.status().stateHash, await freshHash(ws));
  assert.equal(
    requestStore(ws)
      .list()
      .filter((r) => r.status === 'erased').length,
    2,
  );
});

test('refusing a request is an audited transaction with its record; a later erasure still works', async () => {
  const { file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const { receiveRequest, refuseRequest } = await import('../../src/core/workspace/requests');
  const { record } = await receiveRequest(ws, { requestId: 'REQ-hold', match: { kind: 'text', value: '(4' } });
  const refused = await refuseRequest(ws, record.requestId, 'legal hold');
  assert.equal(refused.status, 'refused');
  const target = ws.loadDataset().examples[30];
  await eraseRequest(ws, { kind: 'ids', ids: [target.id] }, { scan: false, unloadModel: false });
  const log = await readLog(ws.paths.auditDir);
  assert.deepEqual(
    log.entries.map((e) => e.action),
    ['refuse', 'erase'],
  );
  await auditOk(ws);
});

test('the erase use case hands back a residual scan that searches .erase/ as well as the workspace files', async () => {
  const { dir, file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const target = ws.loadDataset().examples[15];
  writeFileSync(join(ws.paths.dir, 'stray-copy.txt'), `left behind: ${target.input}\n`);
  writeFileSync(join(dir, 'notes.md'), `also here: ${target.input}\n`);
  writeFileSync(join(dir, '.gitignore'), '.erase/\n'); // as in most repositories: the walk skips it, the scan must not
  spawnSync('git', ['init', '-q'], { cwd: dir });
  const { scanResiduals } = await eraseRequest(ws, { kind: 'ids', ids: [target.id] }, { unloadModel: false });
  assert.ok(scanResiduals, 'a scan is prepared by default');
  const report = await scanResiduals();
  const places = report.hits.map((h) => h.path).sort();
  assert.ok(places.includes('notes.md'), JSON.stringify(places));
  assert.ok(
    places.some((p) => p.endsWith('stray-copy.txt')),
    JSON.stringify(places),
  );
  assert.ok(!JSON.stringify(report).includes(target.input), 'the report names places, never the text');
});

test('an erasure with verify says NOT EQUAL when the stored state was tampered with (the check can fail)', async () => {
  const { file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  // Nudge the last digit of the first phase coordinate: quantization is unchanged, so the certified
  // path carries the tampered value forward, and only a comparison with a retrain can notice.
  tamperStateHead(ws.paths, (text) => text.replace(/"phase":\[(\d\.\d*?)(\d),/, (_m, head: string, last: string) => `"phase":[${head}${(Number(last) + 1) % 10},`));
  const target = ws.loadDataset().examples[11];
  const { receipt } = await eraseRequest(ws, { kind: 'ids', ids: [target.id] }, { verify: true, scan: false, unloadModel: false });
  assert.ok(receipt.verification, 'a verification was made');
  assert.equal(receipt.verification.equal, false, 'the retrain from scratch differs from the tampered state');
  assert.equal((await ws.verify()).equal, false, 'verify says NOT EQUAL too');
});

test('hostile requests files: duplicates, a failing request in the middle, an oversized line, many lines that match nothing', async () => {
  const { dir, file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const ex = ws.loadDataset().examples;
  const requests = join(dir, 'requests.jsonl');
  const dup = JSON.stringify({ requester: 'a@example.com', ids: [ex[2].id] });
  writeFileSync(requests, [dup, dup, JSON.stringify({ regex: '(?=lookahead)' }), JSON.stringify({ match: '(44)' })].join('\n') + '\n');
  // A lookahead is refused when the file is read: nothing at all is erased, and the line is named.
  await assert.rejects(eraseRequestsFile(ws, requests, { scan: false, unloadModel: false }), /requests\.jsonl:3:/);
  assert.equal((await readLog(ws.paths.auditDir)).entries.length, 0);
  writeFileSync(requests, [dup, dup, JSON.stringify({ match: 'no such text anywhere' }), JSON.stringify({ match: '(44)' })].join('\n') + '\n');
  const results = await eraseRequestsFile(ws, requests, { scan: false, unloadModel: false });
  assert.deepEqual(
    results.map((r) => ('error' in r ? 'failed' : 'erased')),
    ['erased', 'failed', 'failed', 'erased'],
  );
  assert.match((results[1] as { error: Error }).error.message, /not in the data set/, 'the duplicate names why');
  assert.match((results[2] as { error: Error }).error.message, /no example matched/);
  // An oversized line: a clear error naming it, before anything is erased.
  writeFileSync(requests, JSON.stringify({ match: 'x'.repeat(2 << 20) }) + '\n');
  const entries = (await readLog(ws.paths.auditDir)).entries.length;
  await assert.rejects(eraseRequestsFile(ws, requests, { scan: false, unloadModel: false }), /requests\.jsonl:1/);
  assert.equal((await readLog(ws.paths.auditDir)).entries.length, entries);
  // Many requests that match nothing: each is reported, none erases anything, the run ends.
  writeFileSync(requests, Array.from({ length: 2000 }, (_, i) => JSON.stringify({ match: `absent text ${i}` })).join('\n') + '\n');
  const many = await eraseRequestsFile(ws, requests, { scan: false, unloadModel: false });
  assert.equal(many.length, 2000);
  assert.ok(many.every((r) => 'error' in r));
  assert.equal((await readLog(ws.paths.auditDir)).entries.length, entries);
  assert.equal(ws.status().stateHash, await freshHash(ws));
});

test('one process, two handles on one workspace (the extension re-opens it): recovery never rolls back an erasure in flight', async () => {
  const { file } = workspace();
  const first = EraseWorkspace.init(file, { k: 4 });
  await first.cluster();
  const second = EraseWorkspace.open(file);
  const ex = first.loadDataset().examples;
  // An erasure on one handle while the other handle opens (and recovers) and erases too.
  const [a, rec, b] = await Promise.all([
    eraseRequest(first, { kind: 'ids', ids: [ex[5].id] }, { scan: false, unloadModel: false }),
    recoverPending(second, second.keyStore),
    eraseRequest(second, { kind: 'ids', ids: [ex[6].id] }, { scan: false, unloadModel: false }),
  ]);
  assert.equal(rec, null, 'nothing to recover: the erasure in flight is not "interrupted"');
  assert.equal(a.receipt.alreadyDone, false);
  assert.equal(b.receipt.alreadyDone, false);
  assert.equal(existsSync(first.paths.intent), false);
  assert.equal(requestStore(first).list().length, 2);
  assert.equal(first.status().stateHash, await freshHash(first));
  await auditOk(first);
});

/** Every file under `.erase/` and the data file, by relative path: what a finished transaction left. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.lock')) out.set(p.slice(dir.length), readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

test('an intent that a power loss brought back after its transaction finished is finished again: nothing changes, nothing is rolled back', async () => {
  // removeIntent does not sync the unlink: this is the state such a power loss leaves.
  const { dir, file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const ex = ws.loadDataset().examples;
  const reps = new Set(loadMeta(ws.paths)!.representatives);
  let intent: Buffer | null = null;
  onWriteStep((step, path) => {
    if (step === 'unlink' && path === ws.paths.intent) intent = readFileSync(path);
  });
  // The certified (lean) path is the one that writes least: erase until one takes it.
  let certified = false;
  try {
    for (const e of ex.filter((e) => !reps.has(e.id)).slice(0, 20)) {
      certified = (await eraseRequest(ws, { kind: 'ids', ids: [e.id] }, { scan: false, unloadModel: false })).receipt.certified;
      if (certified) break;
    }
  } finally {
    onWriteStep(null);
  }
  assert.equal(certified, true);
  assert.ok(intent, 'the transaction removed its intent');
  const before = snapshot(dir);
  writeFileSync(ws.paths.intent, intent);
  const report = await recoverPending(ws, ws.keyStore);
  assert.deepEqual(report && { action: report.action, outcome: report.outcome }, { action: 'erase', outcome: 'completed' });
  assert.equal(existsSync(ws.paths.intent), false);
  const after = snapshot(dir);
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'the same files');
  for (const [p, bytes] of before) assert.ok(after.get(p) === bytes, `${p} is unchanged`);
  assert.equal(ws.status().stateHash, await freshHash(ws));
  await auditOk(ws);
});
