import { test } from 'node:test';
import { readLog } from '../../src/core/audit';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EraseWorkspace, eraseExamples, reconcile } from '../../src/core/workspace';
import { UserError } from '../../src/core/errors';
import { contentHash } from '../../src/core/embed/contentHash';
import { HashingEmbedder } from '../../src/core/embed/hashing';
import { toFixed } from '../../src/core/fixedpoint';
import { Projection } from '../../src/core/qkmeans/projection';
import { loadPoints, putPoints } from '../../src/core/storage/pointStore';
import { loadMeta, OutdatedStateError } from '../../src/core/workspace/persisted';
import { driftOf } from '../../src/core/workspace/drift';
import { loadState } from '../../src/core/workspace/persisted';
import { bytesOf, filesContaining, freshStateHash, tamperStateHead, tempDir } from './workspace.helpers';

const WORDS = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold', 'plain', 'wild'];

/** Lines with explicit ids (e0…) and lines without (identified by content), one duplicated. */
function dataFile(n = 40, explicit = 12): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const input = `the ${WORDS[(i * 7) % WORDS.length]} film was ${WORDS[(i * 5 + 1) % WORDS.length]} number ${i}`;
    const rec = i < explicit ? { id: `e${i}`, input, output: i % 2 ? 'positive' : 'negative' } : { input, output: i % 3 ? 'positive' : 'negative' };
    lines.push(JSON.stringify(rec));
    if (i === 20) lines.push(JSON.stringify(rec));
  }
  const file = join(tempDir(), 'data.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const SETTINGS = { k: 4, eps: 0.1, seed: 'exact' } as const;

function editLine(file: string, id: string, input: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith(`{"id":"${id}"`));
  assert.ok(i >= 0);
  lines[i] = JSON.stringify({ ...JSON.parse(lines[i]), input });
  writeFileSync(file, lines.join('\n'));
}

/** The raw (d = 512) and projected (D) fixed-point vectors of a text, as the workspace stores them. */
function vectorsOf(text: string, seed: string, dims: number): { raw: Int32Array; projected: Int32Array } {
  const h = new HashingEmbedder();
  const raw = toFixed(h.embedText(text));
  return { raw, projected: new Projection(seed, h.dimension, dims).project(raw) };
}

test('an explicit-id text edited by hand is drift: status sees it, verify says NOT EQUAL, reconcile erases the old content', async () => {
  const file = dataFile();
  const ws = EraseWorkspace.init(file, SETTINGS);
  await ws.cluster();
  const oldText = ws.example('e3')!.input;
  const old = vectorsOf(oldText, SETTINGS.seed, 16);
  assert.ok(filesContaining(ws.stateDir, bytesOf(old.projected)).length > 0, 'the old vector is stored before the edit');
  editLine(file, 'e3', 'a completely different review of another film');

  const s = ws.status();
  assert.equal(s.outOfDate, true);
  assert.deepEqual(s.drift?.edited, ['e3']);
  assert.deepEqual(s.drift?.removed, []);
  assert.deepEqual(s.drift?.added, []);
  assert.equal((await ws.verify()).equal, false, 'verify retrains from the text, not from the vector stored under the id');

  const r = await reconcile(ws, { time: '2026-11-30T00:00:00.000Z' });
  assert.deepEqual(r.editedIds, ['e3']);
  assert.deepEqual(r.removedIds, ['e3'], 'the old content is erased (audited)');
  assert.equal(ws.status().outOfDate, false);
  assert.equal((await ws.verify()).equal, true);
  assert.equal(loadState(ws.paths)!.hash, await freshStateHash(file, SETTINGS), 'equal to a brand-new workspace on the same file');
  for (const [what, bytes] of [
    ['old text', Buffer.from(oldText)],
    ['old content hash', Buffer.from(contentHash(oldText))],
    ['old raw vector', bytesOf(old.raw)],
    ['old projected vector', bytesOf(old.projected)],
  ] as const) {
    assert.deepEqual(filesContaining(ws.stateDir, bytes), [], `${what} left under .erase/`);
  }
});

test('identical texts under two explicit ids share one vector; it goes only when neither remains', async () => {
  const dir = tempDir();
  const file = join(dir, 'data.jsonl');
  const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ id: `x${i}`, input: `ordinary text ${i} ${WORDS[i]}`, output: 'o' }));
  lines.push(JSON.stringify({ id: 'twin-a', input: 'the twin sentence', output: 'o' }), JSON.stringify({ id: 'twin-b', input: 'the twin sentence', output: 'o' }));
  writeFileSync(file, lines.join('\n') + '\n');
  const ws = EraseWorkspace.init(file, { k: 2, eps: 0.1, seed: 's' });
  await ws.cluster();
  const twin = vectorsOf('the twin sentence', 's', 16);
  const stored = loadPoints(ws.paths.points, await ws.pointKey())!;
  assert.equal(stored.size, 13, 'one row per distinct text, not per id');
  await eraseExamples(ws, { ids: ['twin-a'] });
  assert.ok(filesContaining(ws.stateDir, bytesOf(twin.projected)).length > 0, 'twin-b still uses the vector');
  assert.ok(filesContaining(ws.stateDir, bytesOf(twin.raw)).length > 0);
  await eraseExamples(ws, { ids: ['twin-b'] });
  assert.deepEqual(filesContaining(ws.stateDir, bytesOf(twin.projected)), []);
  assert.deepEqual(filesContaining(ws.stateDir, bytesOf(twin.raw)), []);
  assert.equal(loadState(ws.paths)!.hash, await freshStateHash(file, { k: 2, eps: 0.1, seed: 's' }));
});

test('after an erasure nothing under .erase/ holds the erased ids, texts, content hashes or vector bytes', async () => {
  const file = dataFile();
  const ws = EraseWorkspace.init(file, SETTINGS);
  await ws.cluster();
  const victims = ['e5', 'e7', ws.status({ ids: true }).ids![30]];
  const texts = victims.map((id) => ws.example(id)!.input);
  await eraseExamples(ws, { ids: victims, requester: 'dpo' });
  assert.equal((await ws.verify()).equal, true);
  victims.forEach((id, i) => {
    const v = vectorsOf(texts[i], SETTINGS.seed, 16);
    for (const [what, bytes] of [
      ['id', Buffer.from(`"${id}"`)],
      ['text', Buffer.from(texts[i])],
      ['content hash', Buffer.from(contentHash(texts[i]))],
      ['raw vector', bytesOf(v.raw)],
      ['projected vector', bytesOf(v.projected)],
    ] as const) {
      assert.deepEqual(filesContaining(ws.stateDir, bytes), [], `erased ${what} of ${id} left under .erase/`);
    }
  });
});

test('verify says NOT EQUAL on a tampered state and on a state trained on a tampered stored vector', async () => {
  const file = dataFile();
  const ws = EraseWorkspace.init(file, SETTINGS);
  const c = await ws.cluster();
  assert.equal((await ws.verify()).equal, true);
  // A stale prompt: another example named as a cluster's representative.
  const rep = c.representatives.find((r) => r !== null)!;
  const other = ws.status({ ids: true }).ids!.find((id) => !c.representatives.includes(id))!;
  const before = readFileSync(ws.paths.state);
  tamperStateHead(ws.paths, (text) => text.replace(`"representatives":[${JSON.stringify(c.representatives[0])}`, `"representatives":[${JSON.stringify(other)}`));
  assert.notDeepEqual(readFileSync(ws.paths.state), before);
  const v = await ws.verify();
  assert.equal(v.equal, false, 'a stale prompt must not pass verify');
  assert.notEqual(v.stateHash, v.scratchHash);
  assert.ok(rep);

  // A vector in the point store replaced: clustering trusts the store, verify re-embeds the text.
  const key = await ws.pointKey();
  const stored = loadPoints(ws.paths.points, key)!;
  const victim = contentHash(ws.example('e2')!.input);
  putPoints(ws.paths.points, key, new Map([[victim, stored.get(victim)!.map((x) => -x)]]));
  await ws.cluster();
  assert.equal((await ws.verify()).equal, false, 'verify must not reuse the stored vector');
});

test('erasure is never refused for algorithmic reasons: down to the last example, then the empty state', async () => {
  for (const k of [1, 3]) {
    const file = dataFile(6, 3);
    const ws = EraseWorkspace.init(file, { k, eps: 0.1, seed: 'last' });
    await ws.cluster();
    for (const id of [...ws.status({ ids: true }).ids!]) {
      const r = await eraseExamples(ws, { ids: [id] });
      assert.equal(typeof r.certified, 'boolean');
      assert.equal(loadState(ws.paths)!.hash, await freshStateHash(file, { k, eps: 0.1, seed: 'last' }), `k=${k}, after erasing ${id}`);
    }
    assert.equal(ws.status().distinct, 0);
    const state = loadState(ws.paths)!.state;
    assert.equal(state.k, 0);
    assert.equal(state.n, 0);
    assert.deepEqual((await ws.prompt()).ids, [], 'an empty data set has an empty prompt');
    assert.deepEqual((await ws.map2d()).ids, []);
    assert.equal((await ws.cluster()).kEffective, 0);
    assert.equal((await ws.verify()).equal, true);
  }
});

test('an eps that would overflow the grid indices is refused at init with a usage error', () => {
  const file = dataFile(6, 0);
  assert.throws(
    () => EraseWorkspace.init(file, { eps: 1e-12 }),
    (e) => e instanceof UserError && e.code === 'usage' && /eps must be at least/.test(e.message),
  );
});

test('a state file of the older format is reported clearly, never a crash', async () => {
  const file = dataFile(10, 2);
  const ws = EraseWorkspace.init(file, SETTINGS);
  await ws.cluster();
  // A workspace last written by a version of format 1: one state.json, no state folder.
  const legacy = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'legacy-state-v2', 'state.json'), 'utf8');
  rmSync(ws.paths.stateDir, { recursive: true });
  writeFileSync(ws.paths.legacyState, legacy.replace('"format":"erase-qkm-state/2"', '"format":"erase-qkm-state/1"'));
  const s = ws.status();
  assert.equal(s.stateOutdated, true);
  assert.equal(s.clustered, false);
  assert.equal(s.outOfDate, false, 'nothing to reconcile: the state must be rebuilt');
  await assert.rejects(ws.verify(), (e) => e instanceof OutdatedStateError && e.code === 'check' && e.remedy === 'cluster' && /older format/.test(e.message));
  await assert.rejects(ws.prompt(), OutdatedStateError);
  await ws.cluster();
  assert.equal(ws.status().stateOutdated, false);
  assert.equal((await ws.verify()).equal, true);
  // The migration is an audited step: one 'retrain' entry from the old state's hash to the new one.
  const log = await readLog(ws.paths.auditDir);
  assert.deepEqual(
    log.entries.map((e) => e.action),
    ['retrain'],
  );
  assert.match(log.entries[0].notes ?? '', /migrated the state from format erase-qkm-state\/1/);
});

test('quality figures say at which deletion count they were computed and are refreshed on request', async () => {
  const file = dataFile();
  const ws = EraseWorkspace.init(file, SETTINGS);
  await ws.cluster();
  assert.equal(ws.status().qualityComputedAtDeletions, 0);
  assert.equal(ws.status().qualityStale, false);
  await eraseExamples(ws, { ids: [ws.status({ ids: true }).ids![25]] });
  assert.equal(ws.status().qualityStale, true);
  const meta = await ws.refreshQuality();
  assert.equal(meta.computedAtDeletions, 1);
  assert.equal(ws.status().qualityStale, false);
  assert.equal(loadMeta(ws.paths)!.computedAtDeletions, 1);
  assert.ok(meta.ve > 0 && meta.ve <= 1.0000001);
});

test('driftOf: removed copies, added lines and edits are told apart', async () => {
  const file = dataFile();
  const ws = EraseWorkspace.init(file, SETTINGS);
  await ws.cluster();
  const state = loadState(ws.paths)!.state;
  const ds = ws.loadDataset();
  const dup = ds.duplicates[0].id;
  const lines = readFileSync(file, 'utf8').split('\n');
  const dupLine = lines.findIndex((l) => l === lines.find((x, i) => i > 0 && lines.indexOf(x) !== i));
  lines.splice(dupLine, 1); // one copy of the duplicate
  lines.splice(0, 1); // e0
  lines.push(JSON.stringify({ input: 'brand new', output: 'x' }));
  writeFileSync(file, lines.join('\n'));
  editLine(file, 'e4', 'edited text');
  const d = driftOf(state, ws.loadDataset());
  assert.deepEqual(
    [...d.removed],
    [
      ['e0', 1],
      [dup, 1],
    ].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  );
  assert.equal(d.added.length, 1);
  assert.deepEqual(d.edited, ['e4']);
});

test('a slow embedder (Ollama): verify takes a cached vector only under the current text’s content hash, never by id', async () => {
  const { createOllamaStandIn } = await import('../fixtures/ollama-stand-in');
  const ollama = createOllamaStandIn({ models: ['fake-embed:latest'] });
  const host = await ollama.listen();
  try {
    const file = dataFile(20, 6);
    const settings = { k: 3, eps: 0.1, seed: 'slow', embedder: 'ollama:fake-embed', ollamaHost: host } as const;
    const ws = EraseWorkspace.init(file, settings);
    await ws.cluster();
    const embedCalls = () => ollama.log.filter((e) => e.path === '/api/embed').length;
    const before = embedCalls();
    assert.equal((await ws.verify()).equal, true);
    assert.equal(embedCalls(), before, 'unchanged texts: verify uses the vectors cached under their content hashes');
    editLine(file, 'e2', 'a text the model has never embedded');
    const v = await ws.verify();
    assert.equal(embedCalls(), before + 1, 'the edited text is embedded: no vector is reused because the id matches');
    assert.equal(v.equal, false);
    await reconcile(ws, { time: '2026-11-30T00:00:00.000Z' });
    assert.equal((await ws.verify()).equal, true);
    assert.equal(loadState(ws.paths)!.hash, await freshStateHash(file, settings));
  } finally {
    await ollama.close();
  }
});
