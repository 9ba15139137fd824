// The extension's long-lived erasure session (erasureSession.ts) must write exactly what the CLI
// path writes, step by step, and must notice every write it did not make itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EraseWorkspace, eraseRequest, reconcile } from '../../src/core/workspace';
import { ErasureSession, mapDeltaAfter, type MapDelta } from '../../src/core/workspace/erasureSession';
import { dataFileStamp } from '../../src/core/workspace/leanErasure';
import { loadMeta, saveMeta } from '../../src/core/workspace/persisted';
import { filesUnder } from './workspace.helpers';

const TIME = '2026-01-02T03:04:05.000Z';

/** A deterministic data set, clustered, and a byte copy of the whole folder (keys included): two identical workspaces. */
async function twins(n: number): Promise<{ a: EraseWorkspace; b: EraseWorkspace; dirs: string[]; ids: string[] }> {
  const dirA = mkdtempSync(join(tmpdir(), 'erase-session-a-'));
  const words = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold', 'dull', 'sharp'];
  const lines: string[] = [];
  for (let i = 0; i < n; i++)
    lines.push(JSON.stringify({ input: `the ${words[(i * 7) % 12]} film was ${words[(i * 5 + 1) % 12]} and ${words[i % 11]} (${i})`, output: i % 2 ? 'pos' : 'neg' }));
  writeFileSync(join(dirA, 'data.jsonl'), lines.join('\n') + '\n');
  const a = EraseWorkspace.init(join(dirA, 'data.jsonl'), { k: 3, eps: 0.5 });
  await a.cluster();
  // One erasure first: it makes the audit keys, which the copy then shares (entries are keyed, checkpoints signed).
  await eraseOne(a, (a.status({ ids: true }).ids as string[])[1], 'REQ-0');
  const dirB = mkdtempSync(join(tmpdir(), 'erase-session-b-'));
  cpSync(dirA, dirB, { recursive: true });
  const b = EraseWorkspace.open(join(dirB, 'data.jsonl'));
  // The copy is another file (inode, times): record it as the one B's state covers, as a clustering would have.
  const meta = loadMeta(b.paths)!;
  saveMeta(b.paths, { ...meta, syncedWith: { dataFile: dataFileStamp(b.dataFile), stateHash: meta.syncedWith!.stateHash } });
  return { a, b, dirs: [dirA, dirB], ids: a.status({ ids: true }).ids as string[] };
}

/** Every file of a workspace, as bytes; the records of a file's identity (stat stamps) are left out. */
function snapshot(ws: EraseWorkspace): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of filesUnder(ws.paths.root)) {
    const rel = relative(ws.paths.root, f);
    // Derived indexes: of file identities, and of record offsets (which shift with the measured updateMs below).
    if (rel.endsWith('.lock') || rel.includes('dataset-index') || rel === join('.erase', 'requests.idx')) continue;
    let text = readFileSync(f).toString('base64');
    if (rel === join('.erase', 'meta.json')) {
      const m = JSON.parse(readFileSync(f, 'utf8'));
      if (m.syncedWith) m.syncedWith.dataFile = 'stamp';
      text = JSON.stringify(m);
    }
    if (rel === join('.erase', 'audit', 'frontier.json')) {
      const fr = JSON.parse(readFileSync(f, 'utf8'));
      for (const mark of [fr.log, fr.checkpoints]) for (const k of ['ino', 'ctimeNs', 'mtimeNs']) if (mark) mark[k] = 'stamp';
      fr.mac = 'keyed over the stamps';
      text = JSON.stringify(fr);
    }
    // The record keeps how long the clustering update took: a measurement, not a result.
    if (rel === join('.erase', 'requests.json') || rel === join('.erase', 'requests.jsonl')) text = readFileSync(f, 'utf8').replace(/"updateMs": ?[0-9.e+-]+/g, '"updateMs":0');
    out.set(rel, text);
  }
  return out;
}

function assertSameFiles(a: EraseWorkspace, b: EraseWorkspace, step: string): void {
  const sa = snapshot(a);
  const sb = snapshot(b);
  assert.deepEqual([...sa.keys()].sort(), [...sb.keys()].sort(), `${step}: the same files`);
  for (const [rel, bytes] of sa) assert.ok(bytes === sb.get(rel), `${step}: ${rel} differs`);
}

const eraseOne = (ws: EraseWorkspace, id: string, requestId: string, session?: ErasureSession) =>
  eraseRequest(ws, { kind: 'ids', ids: [id] }, { requestId, time: TIME, scan: false, session });

test('erasures through a session write the same files, hashes and audit entries as the CLI path, and notice writes made behind its back', async () => {
  const { a, b, dirs, ids } = await twins(1200);
  try {
    const session = new ErasureSession(a);
    const paths: string[] = [];
    // Victims: spread over the file, never a representative (that leaves the lean path by design).
    const reps = new Set(loadMeta(a.paths)!.representatives);
    const victims = ids.filter((id, i) => i % 97 === 5 && !reps.has(id)).slice(0, 7);
    let step = 0;
    const both = async (id: string) => {
      step++;
      const ra = await eraseOne(a, id, `REQ-${step}`, session);
      const rb = await eraseOne(b, id, `REQ-${step}`);
      assert.equal(ra.receipt.stateHashAfter, rb.receipt.stateHashAfter, `step ${step}: state hash`);
      assert.equal(ra.receipt.auditSeq, rb.receipt.auditSeq);
      assert.equal(ra.receipt.certified, rb.receipt.certified);
      assertSameFiles(a, b, `step ${step}`);
      paths.push(session.lastPath!);
      return ra.receipt;
    };
    await both(victims[0]);
    await both(victims[1]);
    assert.deepEqual(paths, ['lean', 'lean'], 'certified erasures take the lean path');

    // The CLI erases in between (its own process: another EraseWorkspace, the same files).
    step++;
    const cliA = await eraseOne(EraseWorkspace.open(a.dataFile), victims[2], `REQ-${step}`);
    const cliB = await eraseOne(b, victims[2], `REQ-${step}`);
    assert.equal(cliA.receipt.stateHashAfter, cliB.receipt.stateHashAfter);
    await both(victims[3]);
    assert.equal(paths.at(-1), 'lean', "after the CLI's write the session starts from the files again");
    await both(victims[4]);
    assert.equal(paths.at(-1), 'lean');

    // A hand edit of the data file behind everyone's back: folded into the next erasure by the full path.
    await both(victims[5]);
    for (const ws of [a, b]) writeFileSync(ws.dataFile, readFileSync(ws.dataFile, 'utf8') + JSON.stringify({ input: 'a line added by hand', output: 'pos' }) + '\n');
    await both(victims[6]);
    assert.equal(paths.at(-1), 'full', 'a data file the last transaction did not write: the full path');
    assert.deepEqual(session.counts, { lean: 5, full: 1 });
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('after a certified erasure the map changes by the erased points alone; a retrain sends the whole map', async () => {
  const { a, dirs, ids } = await twins(400);
  try {
    const reps = new Set(loadMeta(a.paths)!.representatives);
    const session = new ErasureSession(a);
    const victim = ids.find((id, i) => i > 10 && !reps.has(id))!;
    const { receipt } = await eraseOne(a, victim, 'REQ-map', session);
    const delta = mapDeltaAfter(a, receipt);
    if (receipt.certified) {
      assert.deepEqual(delta?.removedIds, [victim]);
      assert.deepEqual(delta?.representatives, loadMeta(a.paths)!.representatives);
    } else assert.equal(delta, null);
    assert.equal(mapDeltaAfter(a, { ...receipt, certified: false, retrained: true }), null);
    assert.equal(mapDeltaAfter(a, { ...receipt, alreadyDone: true }), null);
    assert.equal(mapDeltaAfter(a, { ...receipt, stateHashAfter: 'f'.repeat(64) }), null, 'a state changed since: drawn whole');
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test("reconcile after the host's own erasure (which a file watcher reports as an edit) parses nothing; a real hand edit is still found", async () => {
  const { a, dirs, ids } = await twins(300);
  try {
    await eraseOne(a, ids[20], 'REQ-own', new ErasureSession(a));
    const parse = a.loadDataset.bind(a);
    a.loadDataset = () => {
      throw new Error('parsed the data set');
    };
    const r = await reconcile(a, { time: TIME });
    assert.equal(r.changed, false);
    assert.equal(r.stateHashAfter, loadMeta(a.paths)!.stateHash);
    a.loadDataset = parse;
    writeFileSync(a.dataFile, readFileSync(a.dataFile, 'utf8') + JSON.stringify({ input: 'a line added by hand', output: 'pos' }) + '\n');
    const edited = await reconcile(a, { time: TIME });
    assert.equal(edited.changed, true);
    assert.equal(edited.addedIds.length, 1);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('the map change is handed out at the commit point: the audit entry and the intent are on disk, the data file not yet rewritten; it equals the change after', async () => {
  const { a, dirs, ids } = await twins(400);
  try {
    const reps = new Set(loadMeta(a.paths)!.representatives);
    const session = new ErasureSession(a);
    const auditLines = () =>
      readFileSync(join(a.paths.auditDir, 'audit.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l !== '').length;
    for (const victim of ids.filter((id, i) => i > 10 && !reps.has(id)).slice(0, 10)) {
      const dataBefore = readFileSync(a.dataFile);
      const entriesBefore = auditLines();
      const seen: { delta: MapDelta | null; intent: boolean; entries: number; dataUnchanged: boolean }[] = [];
      const { receipt } = await eraseRequest(
        a,
        { kind: 'ids', ids: [victim] },
        {
          time: TIME,
          scan: false,
          session,
          onCommitted: (delta) => seen.push({ delta, intent: existsSync(a.paths.intent), entries: auditLines(), dataUnchanged: readFileSync(a.dataFile).equals(dataBefore) }),
        },
      );
      assert.equal(seen.length, 1, 'called once');
      assert.deepEqual(
        { intent: seen[0].intent, entries: seen[0].entries, dataUnchanged: seen[0].dataUnchanged },
        { intent: true, entries: entriesBefore + 1, dataUnchanged: true },
        'at the commit point: intent and entry durable, nothing applied yet',
      );
      assert.equal(readFileSync(a.dataFile).equals(dataBefore), false, 'applied after');
      assert.deepEqual(seen[0].delta, mapDeltaAfter(a, receipt));
      if (receipt.certified) {
        assert.deepEqual(seen[0].delta?.removedIds, [victim]);
        return;
      }
    }
    assert.fail('no certified erasure among ten');
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
