import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { BatchOutput, CatFileBatch, type ObjectSink } from '../../src/core/residual/catFile';
import { openOutputChannel } from '../../src/core/residual/outputChannel';
import { commitAll, git, tempDirsRemovedAfter, write } from './residual.helpers';

/** Temp folders of this file, removed when it is done. */
const tempDir = tempDirsRemovedAfter();

// git's output is read into one reused buffer (outputChannel.ts) and each object gathered whole
// into another (catFile.ts): these tests check that nothing handed out is overwritten later.

test('output channel: a child writes 3 MB through it; every read lands in the same reused buffer, in order, intact', { skip: process.platform === 'win32' }, async () => {
  const views: Buffer[] = [];
  const copies: Buffer[] = [];
  const channel = await openOutputChannel((view) => {
    views.push(view);
    copies.push(Buffer.from(view));
  });
  assert.ok(channel, 'a Unix socket could be set up');
  // Bytes 0..250 repeating, so any lost, doubled or reordered read shows.
  const script = 'const b = Buffer.alloc(3 << 20); for (let i = 0; i < b.length; i++) b[i] = i % 251; process.stdout.write(b);';
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', channel.childEnd, 'inherit'] });
  channel.spawned();
  await Promise.all([channel.ended, new Promise((resolve) => child.on('close', resolve))]);
  const got = Buffer.concat(copies);
  assert.equal(got.length, 3 << 20);
  for (let i = 0; i < got.length; i++) if (got[i] !== i % 251) assert.fail(`byte ${i} is ${got[i]}`);
  assert.ok(views.length > 1, 'several reads');
  assert.ok(
    views.every((v) => v.buffer === views[0].buffer),
    'one buffer for every read: no fresh memory per read',
  );
});

for (const pipe of [false, true])
  test(
    `cat-file batch${pipe ? ' (through a pipe, as on Windows)' : ''}: large and tiny objects come back whole and in order; what read() returned stays intact after later objects`,
    { timeout: 60_000 },
    async () => {
      const root = tempDir('catfile');
      git(root, ['init', '-q']);
      // Two large blobs (several reads each) of different bytes, and 1,000 tiny ones: headers then
      // make up most of the output, so reads end inside headers too.
      const big = (c: string) => Buffer.alloc(300_000, c);
      write(root, 'a.bin', big('a'));
      write(root, 'b.bin', big('b'));
      for (let i = 0; i < 1000; i++) write(root, `t/${i}.txt`, `${i}`);
      commitAll(root, 'objects');
      const oids = new Map(
        git(root, ['ls-tree', '-r', 'HEAD'])
          .trim()
          .split('\n')
          .map((l) => [l.split('\t')[1], l.split(' ')[2].split('\t')[0]] as const),
      );
      const oid = (path: string) => oids.get(path)!;
      const batch = await CatFileBatch.open({ cwd: root, pipe });
      try {
        const a = batch.read(oid('a.bin'));
        const tiny = Array.from({ length: 1000 }, (_, i) => batch.read(oid(`t/${i}.txt`)));
        const b = batch.read(oid('b.bin'));
        const missing = batch.read('0'.repeat(40));
        const [objA, objB] = await Promise.all([a, b]);
        assert.deepEqual(objA, { type: 'blob', content: big('a') }, 'the first large object, after everything else was read');
        assert.deepEqual(objB, { type: 'blob', content: big('b') });
        const tinies = await Promise.all(tiny);
        tinies.forEach((t, i) => assert.equal(t?.content.toString(), `${i}`, `tiny object ${i}`));
        assert.equal(await missing, undefined);
      } finally {
        await batch.close();
      }
    },
  );

test('cat-file output parser: reads ending anywhere, in one reused buffer, give every object whole, in order', () => {
  const objects = [
    { oid: 'a'.repeat(40), type: 'blob', content: 'first\ncontent\n' },
    { oid: 'b'.repeat(40), type: 'tree', content: '' },
    { oid: 'c'.repeat(40), type: 'blob', content: 'skipped by its sink' },
    { oid: 'd'.repeat(40), type: 'blob', content: 'x' },
  ];
  const wire = Buffer.from(objects.map((o) => `${o.oid} ${o.type} ${Buffer.byteLength(o.content)}\n${o.content}\n`).join('') + `${'e'.repeat(40)} missing\n`);
  const scratch = Buffer.alloc(wire.length);
  for (let a = 0; a <= wire.length; a++) {
    for (let b = a; b <= wire.length; b += 3) {
      const got: string[] = [];
      let settled = 0;
      const out = new BatchOutput(() => settled++);
      const sink = (keep: boolean): ObjectSink => ({
        header: (type, size) => (got.push(`${type} ${size}`), keep),
        content: (bytes) => got.push(bytes.toString()),
        missing: () => got.push('missing'),
      });
      out.queue.push(sink(true), sink(true), sink(false), sink(true), sink(true));
      // Each read is copied into the same buffer, as the socket reader does, and then overwritten.
      for (const [from, to] of [
        [0, a],
        [a, b],
        [b, wire.length],
      ]) {
        wire.copy(scratch, 0, from, to);
        out.feed(scratch.subarray(0, to - from));
        scratch.fill(0x7e);
      }
      assert.deepEqual(got, ['blob 14', 'first\ncontent\n', 'tree 0', '', 'blob 19', 'blob 1', 'x', 'missing'], `reads split at ${a} and ${b}`);
      assert.equal(settled, 5);
      assert.equal(out.queue.length, 0);
    }
  }
});
