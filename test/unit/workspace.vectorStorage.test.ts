import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { EraseWorkspace, eraseExamples } from '../../src/core/workspace';
import { EmbeddingCache, cacheFileName, legacyCacheFileName } from '../../src/core/embed/cache';
import { contentHash } from '../../src/core/embed/contentHash';
import { HashingEmbedder } from '../../src/core/embed/hashing';
import { toFixed } from '../../src/core/fixedpoint';
import { Projection } from '../../src/core/qkmeans/projection';
import { keyString, legacyPointsPath, loadPoints } from '../../src/core/storage/pointStore';
import { indexPathOf } from '../../src/core/storage/slotFile';
import { loadState } from '../../src/core/workspace/persisted';
import { bytesOf, filesContaining, freshStateHash, tempDir } from './workspace.helpers';

const SETTINGS = { k: 3, eps: 0.1, seed: 'slots' } as const;

function dataFile(): string {
  const lines = Array.from({ length: 30 }, (_, i) =>
    JSON.stringify({ id: `r${i}`, input: `a review of film ${i}, ${i % 2 ? 'warm' : 'grim'} and ${i % 3 ? 'slow' : 'loud'}`, output: 'o' }),
  );
  lines.push(JSON.stringify({ id: 'twin-a', input: 'the shared twin text', output: 'o' }), JSON.stringify({ id: 'twin-b', input: 'the shared twin text', output: 'o' }));
  const file = join(tempDir(), 'data.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function vectorsOf(text: string): Buffer[] {
  const raw = toFixed(new HashingEmbedder().embedText(text));
  return [bytesOf(raw), bytesOf(new Projection(SETTINGS.seed, raw.length, 16).project(raw))];
}

/** Writes the previous formats' files (one file rewritten whole) from the current slots, and removes the slots. */
async function downgrade(ws: EraseWorkspace): Promise<void> {
  const embedder = await ws.embedder();
  const key = await ws.pointKey();
  const cache = EmbeddingCache.open(ws.paths.cacheDir, embedder.id, embedder.dimension);
  const keys = [...cache.keys()].sort();
  const vectors = cache.getMany(keys);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const id = Buffer.from(embedder.id);
  const rows = keys.flatMap((k, i) => [u32(k.length), Buffer.from(k), bytesOf(vectors[i]!)]);
  const body = Buffer.concat([Buffer.from('ERASEEMB', 'latin1'), u32(2), u32(embedder.dimension), u32(id.length), id, u32(keys.length), ...rows]);
  writeFileSync(join(ws.paths.cacheDir, legacyCacheFileName(embedder.id)), Buffer.concat([body, createHash('sha256').update(body).digest()]));
  const points = loadPoints(ws.paths.points, key)!;
  const header = Buffer.from(keyString(key));
  const prow = [...points.keys()].sort().flatMap((k) => {
    const l = Buffer.alloc(2);
    l.writeUInt16LE(k.length);
    return [l, Buffer.from(k), bytesOf(points.get(k)!)];
  });
  writeFileSync(legacyPointsPath(ws.paths.points), Buffer.concat([Buffer.from('ERASEPT2', 'latin1'), u32(header.length), header, u32(points.size), ...prow]));
  for (const p of [cache.path, cache.indexPath, ws.paths.points, indexPathOf(ws.paths.points)]) unlinkSync(p);
}

test('an erasure zeroes the erased content in both slot files in place; a shared content stays until its last id goes', async () => {
  const file = dataFile();
  const ws = EraseWorkspace.init(file, SETTINGS);
  await ws.cluster();
  const victim = ws.example('r4')!.input;
  const twin = 'the shared twin text';
  const slotFiles = [ws.paths.points, join(ws.paths.cacheDir, cacheFileName((await ws.embedder()).id))];
  const sizes = slotFiles.map((p) => statSync(p).size);
  const inodes = slotFiles.map((p) => statSync(p).ino);
  for (const v of vectorsOf(victim)) assert.ok(filesContaining(ws.stateDir, v).length > 0, 'stored before');
  await eraseExamples(ws, { ids: ['r4', 'twin-a'] });
  for (const bytes of [...vectorsOf(victim), Buffer.from(victim), Buffer.from(contentHash(victim))])
    assert.deepEqual(filesContaining(ws.stateDir, bytes), [], 'erased bytes left under .erase/');
  for (const v of vectorsOf(twin)) assert.ok(filesContaining(ws.stateDir, v).length > 0, 'twin-b still uses the shared vector');
  assert.deepEqual(
    slotFiles.map((p) => statSync(p).ino),
    inodes,
    'the slot files are written in place, never replaced',
  );
  assert.deepEqual(
    slotFiles.map((p) => statSync(p).size),
    sizes,
  );
  await eraseExamples(ws, { ids: ['twin-b'] });
  for (const v of vectorsOf(twin)) assert.deepEqual(filesContaining(ws.stateDir, v), [], 'the shared vector goes with its last id');
  assert.equal(loadState(ws.paths)!.hash, await freshStateHash(file, SETTINGS));
  assert.equal((await ws.verify()).equal, true);
});

test('a workspace with the previous vector files migrates at its next erasure: old files deleted, nothing erased left', async () => {
  const file = dataFile();
  const ws = EraseWorkspace.init(file, SETTINGS);
  await ws.cluster();
  await downgrade(ws);
  const embedderId = (await ws.embedder()).id;
  const legacy = [join(ws.paths.cacheDir, legacyCacheFileName(embedderId)), legacyPointsPath(ws.paths.points)];
  assert.ok(legacy.every((p) => existsSync(p)));
  const victim = ws.example('r7')!.input;
  await eraseExamples(ws, { ids: ['r7'] });
  assert.ok(!legacy.some((p) => existsSync(p)), 'the previous files are deleted');
  assert.ok(existsSync(ws.paths.points) && readdirSync(ws.paths.cacheDir).includes(cacheFileName(embedderId)));
  for (const bytes of [...vectorsOf(victim), Buffer.from(victim)]) assert.deepEqual(filesContaining(ws.stateDir, bytes), []);
  assert.equal(loadPoints(ws.paths.points, await ws.pointKey())!.size, 30, 'every other content (31 distinct, one erased) moved over');
  assert.equal(loadState(ws.paths)!.hash, await freshStateHash(file, SETTINGS));
  assert.equal((await ws.verify()).equal, true);
});
