import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTempFile, removeStaleTemps, removeStaleTempsOf, removeStaleTmpLeftovers, writeFileAtomic } from '../../src/core/storage/atomicWrite';
import { EraseWorkspace, reconcile } from '../../src/core/workspace';

const SECRET = 'Erased Person, 12 Hidden Road, account 55-1234';

function tempRoot(tag: string): string {
  return mkdtempSync(join(tmpdir(), `atomic-${tag}-`));
}

/** The pid of a process that has exited (the OS could reuse it, but not within this test). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

test('a symlink planted at the old predictable temp name is not written through', () => {
  const root = tempRoot('symlink');
  const victim = join(root, 'victim.txt');
  writeFileSync(victim, 'untouched\n');
  const target = join(root, 'meta.json');
  symlinkSync(victim, join(root, `.meta.json.${process.pid}.tmp`));
  writeFileAtomic(target, SECRET);
  assert.equal(readFileSync(victim, 'utf8'), 'untouched\n');
  assert.equal(readFileSync(target, 'utf8'), SECRET);
  // A symlink at the target itself is replaced, not followed.
  const linked = join(root, 'state.json');
  symlinkSync(victim, linked);
  writeFileAtomic(linked, SECRET);
  assert.equal(readFileSync(victim, 'utf8'), 'untouched\n');
  assert.equal(lstatSync(linked).isSymbolicLink(), false);
});

test('temp files are created exclusively, with unpredictable names', () => {
  const root = tempRoot('excl');
  const a = openTempFile(join(root, 'x.bin'));
  const b = openTempFile(join(root, 'x.bin'));
  assert.notEqual(a.path, b.path);
  assert.match(a.path, new RegExp(`\\.x\\.bin\\.${process.pid}\\.[0-9a-f]{16}\\.tmp$`));
});

test('under umask 000 new folders are 0700 and files 0600', { skip: process.platform === 'win32' }, () => {
  const root = tempRoot('umask');
  const old = process.umask(0);
  try {
    writeFileAtomic(join(root, '.erase', 'cache', 'deep', 'embeddings.bin'), SECRET);
    mkdirSync(join(root, 'plain')); // what the old code did: mkdir without a mode
  } finally {
    process.umask(old);
  }
  assert.equal(statSync(join(root, 'plain')).mode & 0o777, 0o777, 'the test really ran under umask 000');
  for (const d of ['.erase', '.erase/cache', '.erase/cache/deep']) assert.equal(statSync(join(root, d)).mode & 0o777, 0o700, d);
  assert.equal(statSync(join(root, '.erase/cache/deep/embeddings.bin')).mode & 0o777, 0o600);
});

test('removeStaleTemps: a dead or our own writer’s temps go (symlinks unfollowed), a live writer’s and other files stay', async () => {
  const root = tempRoot('stale');
  mkdirSync(join(root, 'cache'));
  const dead = await deadPid();
  const live = process.ppid; // our parent is alive while we run
  const victim = join(root, 'victim.txt');
  writeFileSync(victim, 'keep me\n');
  const files = {
    deadNew: join(root, 'cache', `.embeddings-abc.bin.${dead}.0123456789abcdef.tmp`),
    deadLegacy: join(root, `.meta.json.${dead}.tmp`),
    deadKeyLegacy: join(root, `audit-hmac.key.${dead}.tmp`),
    ours: join(root, `.state.json.${process.pid}.fedcba9876543210.tmp`),
    live: join(root, `.state.json.${live}.fedcba9876543210.tmp`),
    other: join(root, 'notes.tmp'),
  };
  for (const p of Object.values(files)) writeFileSync(p, SECRET);
  const link = join(root, `.points.bin.${dead}.tmp`);
  symlinkSync(victim, link);
  const removed = removeStaleTemps(root).sort();
  assert.deepEqual(removed, [files.deadNew, files.deadLegacy, files.deadKeyLegacy, files.ours, link].sort());
  assert.equal(existsSync(files.live), true);
  assert.equal(existsSync(files.other), true);
  assert.equal(readFileSync(victim, 'utf8'), 'keep me\n');
  assert.deepEqual(removeStaleTemps(join(root, 'missing')), []);
});

test('removeStaleTempsOf: only that file’s temps of a dead writer or ours go; a live writer’s, other files’ and the user’s files stay', async () => {
  const root = tempRoot('beside');
  const dead = await deadPid();
  const live = process.ppid;
  const data = join(root, 'data.jsonl');
  writeFileSync(data, 'the data file\n');
  const files = {
    dead: join(root, `.data.jsonl.${dead}.0123456789abcdef.tmp`),
    ours: join(root, `.data.jsonl.${process.pid}.fedcba9876543210.tmp`),
    live: join(root, `.data.jsonl.${live}.0123456789abcdef.tmp`),
    anotherFiles: join(root, `.data.jsonl.bak.${dead}.0123456789abcdef.tmp`),
    userHidden: join(root, `.data.jsonl.${dead}.tmp.keep`),
    userDated: join(root, '.data.jsonl.20250101.tmp'),
    user: join(root, 'notes.txt'),
  };
  for (const p of Object.values(files)) writeFileSync(p, SECRET);
  assert.deepEqual(removeStaleTempsOf(data).sort(), [files.dead, files.ours].sort());
  for (const k of ['live', 'anotherFiles', 'userHidden', 'userDated', 'user'] as const) assert.equal(existsSync(files[k]), true, k);
  assert.equal(readFileSync(data, 'utf8'), 'the data file\n');
  assert.deepEqual(removeStaleTempsOf(join(root, 'missing', 'data.jsonl')), []);
});

test('opening a workspace deletes a dead writer’s copy of the data file (a rewrite killed before it shifted the tail)', async () => {
  const root = tempRoot('open');
  const data = join(root, 'data.jsonl');
  writeFileSync(data, JSON.stringify({ input: 'kept' }) + '\n');
  EraseWorkspace.init(data);
  const leftover = join(root, `.data.jsonl.${await deadPid()}.0123456789abcdef.tmp`);
  writeFileSync(leftover, JSON.stringify({ input: SECRET }) + '\n');
  EraseWorkspace.open(data);
  assert.equal(existsSync(leftover), false);
  // A symlinked data file is rewritten beside its target: its leftovers are there.
  const elsewhere = tempRoot('target');
  const target = join(elsewhere, 'real.jsonl');
  writeFileSync(target, JSON.stringify({ input: 'kept' }) + '\n');
  const linkRoot = tempRoot('link');
  symlinkSync(target, join(linkRoot, 'data.jsonl'));
  EraseWorkspace.init(join(linkRoot, 'data.jsonl'));
  const besideTarget = join(elsewhere, `.real.jsonl.${await deadPid()}.0123456789abcdef.tmp`);
  writeFileSync(besideTarget, JSON.stringify({ input: SECRET }) + '\n');
  EraseWorkspace.open(join(linkRoot, 'data.jsonl'));
  assert.equal(existsSync(besideTarget), false);
});

test('under the workspace lock a copy of the data file goes whatever pid its name holds (reused, or a container’s)', async () => {
  const root = tempRoot('locked');
  const data = join(root, 'data.jsonl');
  writeFileSync(data, ['calm film', 'loud film', 'dull film'].map((input) => JSON.stringify({ input })).join('\n') + '\n');
  const ws = EraseWorkspace.init(data, { k: 1 });
  await ws.cluster();
  const aliveName = join(root, `.data.jsonl.${process.ppid}.0123456789abcdef.tmp`); // our parent: alive
  writeFileSync(aliveName, JSON.stringify({ input: SECRET }) + '\n');
  EraseWorkspace.open(data);
  assert.equal(existsSync(aliveName), true, 'without the lock a live pid’s file is left alone');
  await reconcile(EraseWorkspace.open(data), { time: '2026-12-01T00:00:00.000Z' });
  assert.equal(existsSync(aliveName), false, 'a transaction holds the lock every rewrite holds');
});

test('removeStaleTmpLeftovers: a killed evaluation’s scratch folder (copies of examples) goes; a live one’s, ours and look-alikes stay', async () => {
  const tmp = tempRoot('tmpdir');
  const dead = await deadPid();
  const dir = (name: string) => {
    mkdirSync(join(tmp, name, '.erase'), { recursive: true });
    writeFileSync(join(tmp, name, 'pool.jsonl'), JSON.stringify({ input: SECRET }) + '\n');
    return join(tmp, name);
  };
  const killed = dir(`erase-eval-${dead}-a1B2c3`);
  const live = dir(`erase-eval-${process.ppid}-a1B2c3`);
  const ours = dir(`erase-eval-${process.pid}-a1B2c3`);
  const lookAlike = dir(`erase-eval-${dead}-a1B2c3-mine`);
  const elsewhere = dir('elsewhere');
  const link = join(tmp, `erase-eval-${dead}-zZ9zZ9`);
  symlinkSync(elsewhere, link);
  const pattern = join(tmp, `erase-residual-${dead}-${'0'.repeat(24)}.pat`);
  writeFileSync(pattern, SECRET);
  assert.deepEqual((await removeStaleTmpLeftovers(tmp)).sort(), [killed, pattern].sort());
  for (const kept of [live, ours, lookAlike, elsewhere, link]) assert.equal(existsSync(kept), true, kept);
  assert.equal(existsSync(join(elsewhere, 'pool.jsonl')), true, 'a symlink is not followed');
});

test('SIGKILL during a write: the temp file holding the text is gone after the next removeStaleTemps', async () => {
  const root = tempRoot('kill');
  const target = join(root, 'cache', 'embeddings.bin');
  mkdirSync(join(root, 'cache'));
  const mod = new URL('../../src/core/storage/atomicWrite.ts', import.meta.url).href;
  // The child opens a temp, writes the text, reports, and hangs there: killed before its rename.
  const code = `const m = await import(${JSON.stringify(mod)}); const { openTempFile } = m.openTempFile ? m : m.default; const { writeSync } = await import('node:fs');
    const { fd } = openTempFile(${JSON.stringify(target)}); writeSync(fd, ${JSON.stringify(SECRET)}); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
    child.on('exit', () => reject(new Error('the writer exited before it was killed')));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const left = readdirSync(join(root, 'cache'));
  assert.equal(left.length, 1, 'the killed writer left its temp file');
  assert.ok(readFileSync(join(root, 'cache', left[0]), 'utf8').includes(SECRET));
  removeStaleTemps(root);
  assert.deepEqual(readdirSync(join(root, 'cache')), []);
});
