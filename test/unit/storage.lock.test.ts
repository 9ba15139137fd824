import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLock } from '../../src/core/storage/lock';

test('two lock handles of one process on one path: the second waits until the first releases', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'erase-lock-')), 'lock');
  const a = new FileLock(path);
  const b = new FileLock(path);
  await a.acquire();
  let bHeld = false;
  const bDone = b.acquire(5000).then(() => (bHeld = true));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(bHeld, false, 'the lock file holds only a pid: the same process must not take it over from itself');
  a.release();
  await bDone;
  assert.equal(bHeld, true);
  b.release();
  // and a third caller after both released gets it at once
  const c = new FileLock(path);
  await c.acquire(100);
  c.release();
});

test('an in-process waiter gives up with a clear "busy" error at its deadline', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'erase-lock-')), 'lock');
  const a = new FileLock(path);
  await a.acquire();
  await assert.rejects(new FileLock(path).acquire(200), /busy/);
  a.release();
  const d = new FileLock(path);
  await d.acquire(100); // the timed-out waiter left the queue
  d.release();
});
