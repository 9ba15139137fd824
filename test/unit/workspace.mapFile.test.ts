// The map's picture file (.erase/state/map-<state hash>.bin) lets a first open skip loading every
// vector. It must be taken only when drawn from the current state and data file, be rebuilt when
// it is not, and never keep an erased id past the erasure.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EraseWorkspace, eraseExamples } from '../../src/core/workspace';
import { decodeMapPicture, encodeMapPicture, mapFilePath, type MapPicture } from '../../src/core/workspace/mapFile';
import { filesContaining, tempDir } from './workspace.helpers';

function dataFile(n: number): string {
  const file = join(tempDir('erase-mapfile-'), 'data.jsonl');
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ input: `review ${i}: ${['calm', 'loud', 'dull'][i % 3]} ${['film', 'plot'][i % 2]} ${i * 7919}`, output: 'x', label: i % 3 ? 'pos' : 'neg' }),
  );
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const mapFiles = (ws: EraseWorkspace) => readdirSync(ws.paths.stateDir).filter((f) => f.startsWith('map-'));

function plain(p: MapPicture) {
  return { ids: [...p.ids], x: [...p.x], y: [...p.y], cluster: [...p.cluster], reps: [...p.representatives], labelNames: [...p.labelNames], label: [...p.label] };
}

async function clustered(n = 90): Promise<{ file: string; ws: EraseWorkspace; picture: MapPicture }> {
  const file = dataFile(n);
  const ws = EraseWorkspace.init(file, { k: 3 });
  await ws.cluster();
  const picture = (await ws.mapPicture())!;
  return { file, ws, picture };
}

test('a fresh instance reads the picture the first one drew: same points, clusters and labels as drawn from the state', async () => {
  const { file, ws, picture } = await clustered();
  assert.deepEqual(mapFiles(ws), [`map-${ws.status().stateHash}.bin`]);
  const drawn = await ws.map2d();
  assert.deepEqual(plain(picture).ids, [...drawn.ids]);
  assert.deepEqual(plain(picture).x, [...drawn.x]);
  assert.deepEqual(plain(picture).cluster, [...drawn.cluster]);
  assert.deepEqual(picture.labelNames, ['neg', 'pos']);
  const fresh = EraseWorkspace.open(file);
  assert.deepEqual(plain((await fresh.mapPicture())!), plain(picture));
});

test('a picture of another state hash, another data file stamp or with a damaged body is ignored and drawn again', async () => {
  const { file, ws, picture } = await clustered();
  const path = mapFilePath(ws.paths.stateDir, picture.stateHash);
  const good = readFileSync(path);
  // a well-formed file under the current name that says it was drawn from another state, with other points
  const fake: MapPicture = { ...picture, stateHash: 'f'.repeat(64), x: picture.x.map((v) => v + 1000) };
  const cases: [string, () => void][] = [
    ['another state hash', () => writeFileSync(path, encodeMapPicture(fake))],
    ['a damaged body', () => writeFileSync(path, Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1] ^ 1])]))],
    ['another data file stamp', () => (writeFileSync(path, encodeMapPicture({ ...picture, x: fake.x })), utimesSync(file, new Date(2001, 1, 1), new Date(2001, 1, 1)))],
  ];
  for (const [what, spoil] of cases) {
    spoil();
    const fresh = EraseWorkspace.open(file);
    const p = (await fresh.mapPicture())!;
    assert.deepEqual(plain(p).x, [...picture.x], `${what}: drawn again from the state`);
    const rewritten = decodeMapPicture(readFileSync(path), picture.stateHash, p.dataStamp);
    assert.ok(rewritten, `${what}: the file is rebuilt`);
    assert.deepEqual(plain(rewritten), plain(picture));
  }
});

test('an erasure leaves no picture holding the erased id, by another process or by the host itself', async () => {
  const { file, ws: host, picture } = await clustered();
  const cli = EraseWorkspace.open(file);
  const before = picture.stateHash;
  const victim = picture.ids[5];
  assert.equal(filesContaining(host.paths.stateDir, Buffer.from(victim)).filter((f) => f.includes('map-')).length, 1);
  // the CLI erases: the host's picture file goes with the state it was drawn from
  const r = await eraseExamples(cli, { ids: [victim], unloadModel: false, time: '2026-11-30T00:00:00.000Z' });
  assert.deepEqual(mapFiles(host), [], 'the old picture is deleted at the state write');
  const after = (await host.mapPicture())!;
  assert.equal(after.stateHash, r.stateHashAfter);
  assert.notEqual(after.stateHash, before);
  assert.ok(!after.ids.includes(victim));
  assert.deepEqual(mapFiles(host), [`map-${r.stateHashAfter}.bin`]);
  assert.deepEqual(
    filesContaining(host.paths.stateDir, Buffer.from(JSON.stringify(victim))).filter((f) => f.includes('map-')),
    [],
  );
  // the host erases through its own instance
  const second = after.ids[9];
  await eraseExamples(host, { ids: [second], unloadModel: false, time: '2026-11-30T00:00:00.000Z' });
  assert.deepEqual(mapFiles(host), []);
  assert.ok(!(await host.mapPicture())!.ids.includes(second));
});

test('clustering draws the picture from the points it trained on, byte for byte the one drawn from the saved state', async () => {
  const file = dataFile(90);
  const ws = EraseWorkspace.init(file, { k: 3 });
  const { stateHash } = await ws.cluster();
  const path = mapFilePath(ws.paths.stateDir, stateHash);
  assert.deepEqual(mapFiles(ws), [`map-${stateHash}.bin`], 'written by the clustering');
  const atCluster = readFileSync(path);
  unlinkSync(path);
  await EraseWorkspace.open(file).mapPicture();
  assert.deepEqual(readFileSync(path), atCluster);
});

test("status's drift, kept per parsed state and data set, follows a hand edit and the clustering after it", async () => {
  const file = dataFile(60);
  const ws = EraseWorkspace.init(file, { k: 3 });
  await ws.cluster();
  assert.equal(ws.status().outOfDate, false);
  const lines = readFileSync(file, 'utf8').split('\n');
  const gone = ws.status({ ids: true }).ids![3];
  writeFileSync(file, lines.filter((_, i) => i !== 3).join('\n'));
  const edited = ws.status();
  assert.equal(edited.outOfDate, true);
  assert.deepEqual(
    edited.drift!.removed.map(([id]) => id),
    [gone],
  );
  await ws.cluster();
  assert.equal(ws.status().outOfDate, false);
  assert.deepEqual(ws.status().drift, { removed: [], added: [], edited: [] });
});
