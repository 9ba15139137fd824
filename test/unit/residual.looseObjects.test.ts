import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ObjectSink } from '../../src/core/residual/catFile';
import { gitWorkTree } from '../../src/core/residual/git';
import { scanGit } from '../../src/core/residual/history';
import { LooseObjects } from '../../src/core/residual/looseObjects';
import { prepareNeedles } from '../../src/core/residual/needles';
import { commitAll, git, hitSet, tempDirsRemovedAfter, write } from './residual.helpers';

const tempDir = tempDirsRemovedAfter();
const MAX = 1 << 20;

/** A sink that records what it hears (content copied: it is a view of a reused buffer). */
function recorder(): { sink: ObjectSink; heard: { type?: string; size?: number; content?: Buffer; buffers: ArrayBufferLike[]; calls: number } } {
  const heard: { type?: string; size?: number; content?: Buffer; buffers: ArrayBufferLike[]; calls: number } = { buffers: [], calls: 0 };
  return {
    heard,
    sink: {
      header: (type, size) => {
        heard.calls++;
        heard.type = type;
        heard.size = size;
        return true;
      },
      content: (c) => {
        heard.buffers.push(c.buffer);
        heard.content = Buffer.from(c);
      },
      missing: () => assert.fail('a loose read never reports a miss: git does'),
    },
  };
}

function repoWithObjects(): { root: string; objects: string; oid: (rev: string) => string } {
  const root = tempDir('loose');
  git(root, ['init', '-q']);
  write(root, 'big.txt', Buffer.from('line of text\n'.repeat(80_000))); // ~1 MB, several zlib blocks
  write(root, 'empty.txt', '');
  write(root, 'bin.dat', Buffer.from([0, 1, 2, 255, 0, 10]));
  commitAll(root, 'first');
  return { root, objects: join(root, '.git', 'objects'), oid: (rev) => git(root, ['rev-parse', rev]).trim() };
}

const catFile = (root: string, type: string, oid: string): Buffer => execFileSync('git', ['cat-file', type, oid], { cwd: root, maxBuffer: 1 << 26 });

test('loose objects: blobs, trees and commits read without git are byte-for-byte what git cat-file gives', async () => {
  const { root, objects, oid } = repoWithObjects();
  const loose = new LooseObjects(objects, MAX);
  assert.equal(await loose.looseOnly(), true);
  for (const path of ['big.txt', 'empty.txt', 'bin.dat']) {
    const id = oid(`HEAD:${path}`);
    const { sink, heard } = recorder();
    assert.equal(await loose.deliver(id, sink), true, path);
    assert.equal(heard.type, 'blob');
    assert.deepEqual(heard.content, catFile(root, 'blob', id), path);
    assert.equal(heard.size, heard.content!.length);
  }
  for (const [rev, type] of [
    ['HEAD', 'commit'],
    ['HEAD^{tree}', 'tree'],
  ]) {
    const got = await loose.read(oid(rev));
    assert.equal(got?.type, type);
    assert.deepEqual(got?.content, catFile(root, type, oid(rev)));
  }
});

test('loose objects: once the scan is cancelled, queued blobs are passed over unread (git is not asked either)', async () => {
  const { objects, oid } = repoWithObjects();
  const abort = new AbortController();
  const loose = new LooseObjects(objects, MAX, abort.signal);
  const first = recorder();
  assert.equal(await loose.deliver(oid('HEAD:big.txt'), first.sink), true);
  assert.equal(first.heard.calls, 1);
  abort.abort();
  const later = recorder();
  assert.equal(await loose.deliver(oid('HEAD:bin.dat'), later.sink), true);
  assert.equal(later.heard.calls, 0);
});

test('loose objects: each blob is inflated into one of two reused buffers, not fresh memory', async () => {
  const root = tempDir('loose-reuse');
  git(root, ['init', '-q']);
  for (let i = 0; i < 8; i++) write(root, `f${i}.txt`, `file ${i}\n`.repeat(20_000 + i));
  commitAll(root, 'eight');
  const loose = new LooseObjects(join(root, '.git', 'objects'), MAX);
  const buffers = new Set<ArrayBufferLike>();
  await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const { sink, heard } = recorder();
      assert.equal(await loose.deliver(git(root, ['rev-parse', `HEAD:f${i}.txt`]).trim(), sink), true);
      assert.equal(heard.content!.toString(), `file ${i}\n`.repeat(20_000 + i));
      for (const b of heard.buffers) buffers.add(b);
    }),
  );
  assert.ok(buffers.size <= 2, `${buffers.size} buffers for 8 blobs`);
});

test('loose objects: packed, absent, linked, FIFO, damaged or oversized objects are left to git (the sink hears nothing)', async () => {
  const { root, objects, oid } = repoWithObjects();
  const file = (id: string) => join(objects, id.slice(0, 2), id.slice(2));
  const big = oid('HEAD:big.txt');
  const bin = oid('HEAD:bin.dat');
  const empty = oid('HEAD:empty.txt');
  const loose = new LooseObjects(objects, MAX);
  const untouched = async (id: string, why: string, reader = loose) => {
    const { sink, heard } = recorder();
    assert.equal(await reader.deliver(id, sink), false, why);
    assert.equal(heard.calls, 0, why);
    assert.equal(await reader.read(id), undefined, why);
  };
  await untouched('0'.repeat(40), 'absent');
  await untouched('../../config'.padEnd(40, 'x'), 'not an object id');
  // Smaller limit than the object: git reports it as too large.
  await untouched(big, 'larger than maxBytes', new LooseObjects(objects, 1000));
  // Damaged: the file cut short, then one whose content is longer than its header says.
  const bigBytes = readFileSync(file(big));
  chmodSync(file(big), 0o644);
  writeFileSync(file(big), bigBytes.subarray(0, bigBytes.length >> 1));
  await untouched(big, 'truncated');
  const { deflateSync } = await import('node:zlib');
  writeFileSync(file(big), deflateSync(Buffer.concat([Buffer.from('blob 5\0'), Buffer.from('123456')])));
  await untouched(big, 'longer than its header');
  writeFileSync(file(big), deflateSync(Buffer.from('blob x\0abc')));
  await untouched(big, 'bad header');
  // A link to another object is not followed (git's own reading is what counts then).
  renameSync(file(bin), `${file(bin)}.moved`);
  symlinkSync(file(empty), file(bin));
  await untouched(bin, 'symbolic link');
  unlinkSync(file(bin));
  if (process.platform !== 'win32') {
    execFileSync('mkfifo', [file(bin)]);
    await untouched(bin, 'FIFO: not waited on');
    unlinkSync(file(bin));
  }
  renameSync(`${file(bin)}.moved`, file(bin));
  writeFileSync(file(big), bigBytes);
  // Packed: nothing loose any more, and the folder says so.
  git(root, ['gc', '-q', '--prune=now']);
  assert.equal(await loose.looseOnly(), false);
  await untouched(empty, 'packed');
});

test('history scan: the same hits and skips whether loose objects are read here or by git, and after packing', async () => {
  const root = tempDir('loose-history');
  git(root, ['init', '-q']);
  const NEEDLES = ['Alice Example lives at 42 Quiet Lane', 'a copy spread over\ntwo lines of a note'];
  write(root, 'a.txt', `x\n${NEEDLES[0]}\n`);
  write(root, 'big.bin', Buffer.alloc(3000, 7)); // larger than the limit below: reported, not searched
  commitAll(root, 'one');
  write(root, 'a.txt', 'clean\n');
  write(root, 'sub/b.txt', `Alice   Example\n lives at 42 Quiet Lane\n${NEEDLES[1]}\n`);
  commitAll(root, 'two');
  write(root, 'sub/b.txt', 'clean\n');
  commitAll(root, `three: removed ${NEEDLES[0]}`);
  const wt = (await gitWorkTree(root))!;
  assert.equal(wt.objectsDir, join(root, '.git', 'objects'));
  const needles = prepareNeedles(NEEDLES, 12).searched;
  const scan = (looseObjects: boolean) =>
    scanGit({ root, prefix: wt.prefix, driverConfig: wt.driverConfig, shallow: wt.shallow, objectsDir: wt.objectsDir, needles, maxFileBytes: 2000, looseObjects });
  const [here, viaGit] = await Promise.all([scan(true), scan(false)]);
  assert.equal(here.hits.length, 4);
  assert.deepEqual(hitSet(here.hits), hitSet(viaGit.hits));
  assert.deepEqual(here.skipped, viaGit.skipped);
  assert.equal(here.skipped.length, 1);
  git(root, ['gc', '-q', '--prune=now']);
  const packed = await scan(true);
  assert.deepEqual(hitSet(packed.hits), hitSet(here.hits));
  assert.deepEqual(packed.skipped, here.skipped);
});
