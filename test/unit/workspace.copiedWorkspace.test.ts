import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EraseWorkspace, eraseExamples } from '../../src/core/workspace';
import { eraseExamplesWith, keyStoreFor } from '../../src/core/workspace/erasure';
import { loadMeta } from '../../src/core/workspace/persisted';
import type { LeanDeletion } from '../../src/core/workspace/leanErasure';
import { freshStateHash, tempDir } from './workspace.helpers';

const SETTINGS = { k: 3, eps: 0.1, seed: 'copied' } as const;
const WORDS = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold'];

async function clustered(): Promise<{ dir: string; ws: EraseWorkspace }> {
  const dir = tempDir('erase-copied-');
  const lines = Array.from({ length: 400 }, (_, i) =>
    JSON.stringify({ id: `e${i}`, input: `a ${WORDS[(i * 7) % 10]} and ${WORDS[(i * 3 + 1) % 10]} film ${i}`, output: i % 2 ? 'pos' : 'neg' }),
  );
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  const ws = EraseWorkspace.init(join(dir, 'data.jsonl'), SETTINGS);
  await ws.cluster();
  return { dir, ws };
}

/** An id whose erasure is certified (the certificate does not hold for every id of a small set): tried on a throwaway copy. */
async function certifiableId(dir: string): Promise<string> {
  const probe = tempDir('erase-probe-');
  cpSync(dir, probe, { recursive: true });
  const ws = EraseWorkspace.open(join(probe, 'data.jsonl'));
  const reps = new Set(loadMeta(ws.paths)!.representatives);
  for (let i = 0; i < 400; i++) {
    const id = `e${i}`;
    if (reps.has(id)) continue;
    const probeCopy = tempDir('erase-probe-');
    cpSync(probe, probeCopy, { recursive: true });
    if ((await eraseExamples(EraseWorkspace.open(join(probeCopy, 'data.jsonl')), { ids: [id] })).certified) return id;
  }
  throw new Error('no certifiable id');
}

/** Erases `id`; returns whether it was certified and whether the lean path ran. */
async function erase(ws: EraseWorkspace, id: string): Promise<{ certified: boolean; lean: boolean }> {
  let lean: LeanDeletion | null = null;
  const receipt = await eraseExamplesWith(ws, { ids: [id], requester: 'test' }, {}, keyStoreFor(ws), { committed: (l) => (lean = l) });
  return { certified: receipt.certified, lean: lean !== null };
}

test('a copied workspace (new inode and times, same examples) still erases on the lean path, and equals a fresh workspace', async () => {
  const { dir } = await clustered();
  const copy = tempDir('erase-copy-');
  cpSync(dir, copy, { recursive: true });
  assert.notEqual(statSync(join(copy, 'data.jsonl')).ino, statSync(join(dir, 'data.jsonl')).ino, 'the copy is another file');
  const id = await certifiableId(dir);
  const ws = EraseWorkspace.open(join(copy, 'data.jsonl'));
  const first = await erase(ws, id);
  assert.equal(first.certified, true);
  assert.equal(first.lean, true, 'the first erasure after the copy reads only the erased rows');
  assert.equal(loadMeta(ws.paths)!.stateHash, await freshStateHash(ws.dataFile, SETTINGS), 'the state equals a retrain from scratch');
  assert.equal(loadMeta(ws.paths)!.syncedWith?.dataFile.endsWith(`:${statSync(ws.dataFile).ino}`), true, 'the new stamp is recorded');
});

test('a data file rewritten with the same bytes takes the lean path; one edited by hand does not (the edit is reconciled)', async () => {
  const { dir, ws } = await clustered();
  const id = await certifiableId(dir);
  const bytes = readFileSync(ws.dataFile);
  writeFileSync(ws.dataFile, bytes); // new mtime and ctime, same examples
  const same = await erase(ws, id);
  assert.equal(same.certified, true);
  assert.equal(same.lean, true);
  const text = readFileSync(ws.dataFile, 'utf8').replace('"id":"e30","input":"', '"id":"e30","input":"edited by hand, ');
  writeFileSync(ws.dataFile, text);
  const edited = await erase(ws, 'e31');
  assert.equal(edited.lean, false, 'a hand edit is never trusted away');
  assert.equal(loadMeta(ws.paths)!.stateHash, await freshStateHash(ws.dataFile, SETTINGS));
});
