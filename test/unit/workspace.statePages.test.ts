import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EraseWorkspace, eraseExamples, recoverPending } from '../../src/core/workspace';
import { readLog } from '../../src/core/audit';
import { sha256Hex } from '../../src/core/hash';
import { pageFileName, pageOf, parseManifest, parsePage } from '../../src/core/qkmeans/stateEncoding';
import { loadMeta, loadState } from '../../src/core/workspace/persisted';
import { onWriteStep } from '../../src/core/storage/writeSteps';
import { filesContaining, freshStateHash, tempDir as newTempDir } from './workspace.helpers';

/** Scratch folders of this file, removed when it ends. */
const scratch: string[] = [];
const tempDir = (prefix: string): string => {
  const d = newTempDir(prefix);
  scratch.push(d);
  return d;
};
after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

const WORDS = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold', 'plain', 'wild'];
const SETTINGS = { k: 4, eps: 0.1, seed: 'pages' } as const;

/** Enough examples for several state pages (about 1,024 rows a page); some with explicit ids. */
function bigDataFile(n = 7000): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const input = `the ${WORDS[(i * 7) % 12]} film was ${WORDS[(i * 5 + 1) % 12]} and ${WORDS[(i * 11 + 3) % 12]} number ${i}`;
    lines.push(JSON.stringify(i % 10 === 0 ? { id: `ex-${i}`, input, output: 'positive' } : { input, output: 'negative' }));
  }
  const file = join(tempDir('erase-pages-'), 'data.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** The state folder as names → bytes; the map picture (map-<hash>.bin: display only, drawn when a view or a clustering asks) is not part of the state. */
function stateFiles(ws: EraseWorkspace): Map<string, Buffer> {
  return new Map(
    readdirSync(ws.paths.stateDir)
      .filter((n) => !n.startsWith('map-'))
      .sort()
      .map((n) => [n, readFileSync(join(ws.paths.stateDir, n))] as const),
  );
}

/** A brand-new workspace on a copy of the data file: its state folder. */
async function freshStateFiles(file: string): Promise<Map<string, Buffer>> {
  const copy = join(tempDir('erase-pages-fresh-'), 'data.jsonl');
  copyFileSync(file, copy);
  const ws = EraseWorkspace.init(copy, SETTINGS);
  await ws.cluster();
  return stateFiles(ws);
}

/** Ids to erase one by one: in different pages, one of them a page's last row (its page merges with the next), none a representative or seed. */
function victims(ws: EraseWorkspace): string[] {
  const m = parseManifest(readFileSync(ws.paths.state));
  assert.ok(m.pages.length >= 3, `the test needs several pages (got ${m.pages.length})`);
  const { state } = loadState(ws.paths)!;
  const special = new Set([...state.initSeeds, ...state.representatives.filter((r): r is string => r !== null), ...state.iterations.flatMap((it) => it.reseeds.map((r) => r.id))]);
  const rowsOf = (i: number) => parsePage(readFileSync(join(ws.paths.stateDir, pageFileName(m.pages[i].hash)))).map((r) => r[0]);
  const pick = (ids: string[]) => ids.find((id) => !special.has(id))!;
  return [m.pages[0].lastId, pick(rowsOf(1).slice(10)), pick(rowsOf(m.pages.length - 1).reverse())].filter((id) => !special.has(id));
}

test('erasures leave the state folder file for file equal to a brand-new workspace, and no file holds an erased id', async () => {
  const file = bigDataFile();
  const ws = EraseWorkspace.init(file, SETTINGS);
  await ws.cluster();
  const ids = victims(ws);
  assert.equal(ids.length, 3);
  for (const id of ids) {
    const before = stateFiles(ws);
    const receipt = await eraseExamples(ws, { ids: [id] });
    const after = stateFiles(ws);
    // O(changed): besides the head and the manifest, at most one page is new (the erased row's, merged with the next when it was the last).
    const added = [...after.keys()].filter((n) => !before.has(n) && n.startsWith('page-'));
    if (receipt.certified) assert.ok(added.length <= 1, `${added.length} new pages for one erased row`);
    assert.deepEqual(after, await freshStateFiles(file), 'the same files (manifest, so hash, head and pages), byte for byte, as a workspace built on the remaining data');
    assert.deepEqual(filesContaining(ws.paths.stateDir, Buffer.from(JSON.stringify(id))), [], `a state file still names the erased ${id}`);
    assert.deepEqual(filesContaining(ws.paths.stateDir, Buffer.from(id)), [], `a file of the state folder (the map picture included) still holds the erased ${id}`);
  }
});

test('a certified erasure reads only the manifest, the head and the page holding the erased row', async () => {
  const file = bigDataFile();
  const ws = EraseWorkspace.init(file, SETTINGS);
  await ws.cluster();
  const m = parseManifest(readFileSync(ws.paths.state));
  // Certified erasures only: a retrain reads every page (which this test takes away).
  let done = 0;
  for (const id of victims(ws)) {
    const page = pageOf(m, id);
    const away = tempDir('erase-pages-away-');
    const others = m.pages.filter((_, i) => i !== page && i !== page + 1).map((p) => pageFileName(p.hash));
    for (const n of others) renameSync(join(ws.paths.stateDir, n), join(away, n));
    try {
      const r = await eraseExamples(ws, { ids: [id] }).catch((e: Error) => e);
      if (r instanceof Error) {
        assert.match(r.message, /damaged/, 'only a retrain (not certified) may need the other pages');
        continue;
      }
      assert.equal(r.certified, true);
      done++;
    } finally {
      for (const n of others) renameSync(join(away, n), join(ws.paths.stateDir, n));
    }
    break;
  }
  assert.equal(done, 1, 'one certified erasure ran without the other pages');
  assert.equal(loadState(ws.paths)!.hash, await freshStateHash(file, SETTINGS));
});

for (const crash of ['before the manifest switch', 'after the switch, before the old pages are deleted'] as const) {
  test(`an erasure killed ${crash} is finished by recovery, and no old page survives`, async () => {
    const file = bigDataFile(3000);
    const ws = EraseWorkspace.init(file, SETTINGS);
    await ws.cluster();
    const id = ws.loadDataset().examples[1234].id;
    const pagesBefore = new Set(readdirSync(ws.paths.stateDir).filter((n) => n.startsWith('page-')));
    onWriteStep((step, path) => {
      const hit = crash === 'before the manifest switch' ? step === 'write-temp' && path === ws.paths.state : step === 'unlink' && pagesBefore.has(path.split('/').pop()!);
      if (hit) throw new Error('simulated crash');
    });
    try {
      await assert.rejects(eraseExamples(ws, { ids: [id], requestId: 'REQ-crash' }), /simulated crash/);
    } finally {
      onWriteStep(null);
    }
    assert.ok(existsSync(ws.paths.intent), 'the transaction is pending');
    if (crash === 'before the manifest switch') assert.ok(readdirSync(ws.paths.stateDir).length > pagesBefore.size + 1, 'new pages were written, not yet named');
    else assert.ok(filesContaining(ws.paths.stateDir, Buffer.from(JSON.stringify(id))).length > 0, 'the old page is still there before recovery');
    const again = EraseWorkspace.open(ws.paths.root);
    assert.equal((await recoverPending(again, again.keyStore))?.outcome, 'completed');
    assert.equal(loadState(again.paths)!.hash, await freshStateHash(file, SETTINGS));
    assert.deepEqual(filesContaining(again.paths.stateDir, Buffer.from(JSON.stringify(id))), [], 'no state file names the erased id');
    assert.deepEqual(stateFiles(again), await freshStateFiles(file), 'no unnamed page is left');
  });
}

test('a workspace written by the previous version (state.json, format 2) is read, then converted as an audited step', async () => {
  const fixture = join(import.meta.dirname, '..', 'fixtures', 'legacy-state-v2');
  const dir = tempDir('erase-legacy-');
  copyFileSync(join(fixture, 'data.jsonl'), join(dir, 'data.jsonl'));
  mkdirSync(join(dir, '.erase'));
  for (const f of ['config.json', 'meta.json', 'state.json']) cpSync(join(fixture, f), join(dir, '.erase', f));
  const ws = EraseWorkspace.open(dir);
  const cfg = JSON.parse(readFileSync(ws.paths.config, 'utf8'));
  const settings = { k: cfg.k, eps: cfg.eps, seed: cfg.seed, dims: cfg.dims };
  const oldHash = sha256Hex(readFileSync(ws.paths.legacyState));
  assert.equal(loadMeta(ws.paths)!.stateHash, oldHash, 'the fixture is what the previous version left');
  // Read as it is: status, the prompt and verify work, and the hash is this format's hash of the same state.
  const status = ws.status();
  assert.equal(status.clustered, true);
  assert.equal(status.stateHash, await freshStateHash(ws.dataFile, settings));
  assert.equal((await ws.prompt()).mode, 'dataset');
  assert.equal((await ws.verify()).equal, true);
  assert.ok(existsSync(ws.paths.legacyState) && !existsSync(ws.paths.state), 'reading converts nothing');
  // The first locked command converts it: one 'note' entry links the old hash to the new.
  const target = ws.loadDataset().examples[7].id;
  await eraseExamples(ws, { ids: [target] });
  const log = await readLog(ws.paths.auditDir);
  assert.deepEqual(
    log.entries.map((e) => e.action),
    ['note', 'erase'],
  );
  assert.equal(log.entries[0].stateHashBefore, oldHash);
  assert.equal(log.entries[0].stateHashAfter, status.stateHash);
  assert.equal(log.entries[1].stateHashBefore, status.stateHash);
  assert.ok(!existsSync(ws.paths.legacyState), 'state.json is gone (it held the erased id)');
  assert.equal(loadState(ws.paths)!.hash, await freshStateHash(ws.dataFile, settings));
  assert.equal(loadMeta(ws.paths)!.syncedWith?.stateHash, loadState(ws.paths)!.hash);
  assert.deepEqual(filesContaining(join(dir, '.erase'), Buffer.from(JSON.stringify(target))), []);
});
