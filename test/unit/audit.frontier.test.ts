/**
 * The append frontier (src/core/audit/frontier.ts): appends in O(log n) give byte for byte the
 * log the full path gives; whatever makes the frontier unusable (an edit anywhere in the files,
 * a forged or stale frontier, a failure between write steps, a key change) sends the append to
 * the full verification, so tampering a full verify rejects is never silently extended.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CHECKPOINT_FILE,
  FRONTIER_FILE,
  LOG_FILE,
  MemoryKeyStore,
  TreeHead,
  appendEntry,
  compactAppend,
  compactRangeOf,
  compactRoot,
  currentHead,
  generateSigningKeyPair,
  hashLeaf,
  prefixRoots,
  publicKeyId,
  readLog,
  repairTornTail,
  verifyLog,
  writeCheckpoint,
} from '../../src/core/audit/index';
import { markFile, usableFrontier } from '../../src/core/audit/frontier';
import { canonicalJson, hmacSha256Hex } from '../../src/core/hash';
import { onWriteStep } from '../../src/core/storage/writeSteps';
import { buildLog, entryInput, tempDir } from './audit.helpers';

test('the compact range gives the tree head of every prefix (sizes 0..300)', () => {
  const leaves = Array.from({ length: 300 }, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)));
  const roots = prefixRoots(leaves);
  let nodes: Buffer[] = [];
  assert.equal(compactRoot(nodes).toString('hex'), roots[0].toString('hex'));
  leaves.forEach((leaf, i) => {
    nodes = compactAppend(i, nodes, leaf);
    assert.equal(compactRoot(nodes).toString('hex'), roots[i + 1].toString('hex'), `size ${i + 1}`);
    // One node per set bit of the size: O(log n).
    assert.equal(nodes.length, (i + 1).toString(2).replace(/0/g, '').length);
  });
  assert.deepEqual(compactRangeOf(leaves), nodes);
  assert.throws(() => compactAppend(3, nodes, leaves[0]), RangeError, 'a range of the wrong shape is refused');
});

test('frontier appends write byte for byte what the full path writes', async () => {
  const keyStore = new MemoryKeyStore();
  const fast = tempDir('frontier-fast');
  const full = tempDir('frontier-full');
  let hf: TreeHead | undefined;
  let hs: TreeHead | undefined;
  for (let i = 0; i < 40; i++) {
    hf = (await appendEntry(fast, entryInput(i), { keyStore, expectedHead: hf })).head;
    hs = (await appendEntry(full, entryInput(i), { keyStore, expectedHead: hs, verify: 'full' })).head;
    assert.deepEqual(hf, hs, `head after ${i + 1} appends`);
  }
  for (const f of [LOG_FILE, CHECKPOINT_FILE]) assert.ok(readFileSync(join(fast, f)).equals(readFileSync(join(full, f))), `${f} identical`);
  const frontier = JSON.parse(readFileSync(join(fast, FRONTIER_FILE), 'utf8'));
  assert.equal(frontier.size, 40);
  assert.equal(frontier.rootHash, hf!.rootHash);
  assert.equal(frontier.nodes.length, 2, '40 = 32 + 8: two subtree hashes');
  assert.equal(frontier.log.bytes, statSync(join(fast, LOG_FILE)).size);
  assert.equal((await verifyLog(fast, { expectedHead: hf })).ok, true);
  assert.deepEqual(await currentHead(fast, keyStore), hf);
  assert.deepEqual(await currentHead(fast), hf);
});

/** Rewrites `path` in place (same inode) until its ctime has moved on, as any real later edit does. */
async function editInPlace(path: string, edit: (bytes: Buffer) => Buffer): Promise<void> {
  const before = statSync(path, { bigint: true }).ctimeNs;
  for (let i = 0; i < 200; i++) {
    writeFileSync(path, edit(readFileSync(path)));
    if (statSync(path, { bigint: true }).ctimeNs !== before) return;
    await sleep(5);
  }
  throw new Error('the file system never moved the ctime on');
}

/** Same length, last line untouched: only the middle of the file differs (idempotent edit). */
function flipMiddleDigit(bytes: Buffer): Buffer {
  const text = bytes.toString('utf8');
  const at = text.indexOf('"stateHashAfter":"', Math.floor(text.length / 3)) + '"stateHashAfter":"'.length;
  const copy = Buffer.from(bytes);
  copy[at] = copy[at] === 0x30 ? 0x31 : 0x30;
  return copy;
}

test('an edit in the middle of audit.jsonl (same length, same last line), then an append: refused, nothing written', async () => {
  const dir = tempDir('frontier-mid');
  const { keyStore, head } = await buildLog(dir, 12);
  const log = join(dir, LOG_FILE);
  const original = readFileSync(log);
  await editInPlace(log, flipMiddleDigit);
  const edited = readFileSync(log);
  assert.equal(edited.length, original.length);
  assert.ok(!edited.equals(original));
  assert.equal(usableFrontier(dir, await keyStore.getOrCreateHmacKey(), head), null, 'the file mark (ctime) no longer matches');
  await assert.rejects(appendEntry(dir, entryInput(12), { keyStore, expectedHead: head }), /does not verify/);
  assert.ok(readFileSync(log).equals(edited), 'nothing appended');
});

test('an edit in the middle of checkpoints.jsonl, then an append: refused', async () => {
  const dir = tempDir('frontier-mid-cp');
  const { keyStore, head } = await buildLog(dir, 12);
  const cps = join(dir, CHECKPOINT_FILE);
  await editInPlace(cps, (b) => {
    const copy = Buffer.from(b);
    // A signed root changed (the write path checks earlier checkpoints' roots, not their signatures).
    const at = b.indexOf('"rootHash":"', Math.floor(b.length / 3)) + '"rootHash":"'.length;
    copy[at] = copy[at] === 0x30 ? 0x31 : 0x30;
    return copy;
  });
  await assert.rejects(appendEntry(dir, entryInput(12), { keyStore, expectedHead: head }), /does not verify/);
});

test('a frontier edited without the HMAC key is ignored: the full path refuses the tampered log', async () => {
  const dir = tempDir('frontier-forged');
  const { keyStore, head } = await buildLog(dir, 10);
  const log = join(dir, LOG_FILE);
  await editInPlace(log, flipMiddleDigit);
  // The attacker re-marks the frontier to the edited file, but cannot recompute its MAC.
  const path = join(dir, FRONTIER_FILE);
  const f = JSON.parse(readFileSync(path, 'utf8'));
  f.log = markFile(log, readFileSync(log, 'utf8').split('\n').slice(-2)[0]);
  writeFileSync(path, JSON.stringify(f));
  assert.equal(usableFrontier(dir, await keyStore.getOrCreateHmacKey(), head), null);
  await assert.rejects(appendEntry(dir, entryInput(10), { keyStore, expectedHead: head }), /does not verify/);
  // Nor can a forged frontier trust the attacker's key.
  const g = JSON.parse(readFileSync(path, 'utf8'));
  const attacker = generateSigningKeyPair();
  g.trustedKeys.push({ id: publicKeyId(attacker.publicKeyPem), publicKeyPem: attacker.publicKeyPem });
  writeFileSync(path, JSON.stringify(g));
  assert.equal(usableFrontier(dir, await keyStore.getOrCreateHmacKey(), head), null);
});

test('documented gap: an edit that keeps length, last line and file times (root, or the HMAC key) is appended to — and verify still reports it', async () => {
  const dir = tempDir('frontier-gap');
  const { keyStore, head } = await buildLog(dir, 12);
  const hmacKey = await keyStore.getOrCreateHmacKey();
  const log = join(dir, LOG_FILE);
  await editInPlace(log, flipMiddleDigit);
  // Simulates an attacker who can set the file times back: the mark is re-made, MAC and all.
  const path = join(dir, FRONTIER_FILE);
  const { mac: _mac, ...f } = JSON.parse(readFileSync(path, 'utf8'));
  f.log = markFile(log, readFileSync(log, 'utf8').split('\n').slice(-2)[0]);
  writeFileSync(path, JSON.stringify({ ...f, mac: hmacSha256Hex(hmacKey, 'erase-workbench/audit/v1/frontier\0' + canonicalJson(f)) }));
  assert.notEqual(usableFrontier(dir, hmacKey, head), null);
  // The O(log n) path does not read the middle, so the append goes through (the full path would refuse) ...
  const r = await appendEntry(dir, entryInput(12), { keyStore, expectedHead: head });
  await assert.rejects(appendEntry(dir, entryInput(13), { keyStore, expectedHead: r.head, verify: 'full' }), /does not verify/);
  // ... but nothing is laundered: its checkpoint signs the root of the log before the edit, and the full check reports the edit.
  const report = await verifyLog(dir, { expectedHead: r.head });
  assert.equal(report.ok, false);
  assert.ok(report.problems.some((p) => p.kind === 'chain' || p.kind === 'checkpoint-root'));
});

test('even with the frontier re-made under the HMAC key, a latest checkpoint with a bad signature is refused', async () => {
  const dir = tempDir('frontier-badsig');
  const { keyStore, head } = await buildLog(dir, 6);
  const hmacKey = await keyStore.getOrCreateHmacKey();
  const cps = join(dir, CHECKPOINT_FILE);
  const lines = readFileSync(cps, 'utf8').split('\n').slice(0, -1);
  const last = JSON.parse(lines[lines.length - 1]);
  last.signature = Buffer.alloc(64, 7).toString('base64');
  lines[lines.length - 1] = canonicalJson(last);
  writeFileSync(cps, lines.map((l) => l + '\n').join(''));
  const path = join(dir, FRONTIER_FILE);
  const { mac: _mac, ...f } = JSON.parse(readFileSync(path, 'utf8'));
  f.checkpoints = markFile(cps, lines[lines.length - 1]);
  writeFileSync(path, JSON.stringify({ ...f, mac: hmacSha256Hex(hmacKey, 'erase-workbench/audit/v1/frontier\0' + canonicalJson(f)) }));
  assert.equal(usableFrontier(dir, hmacKey, head), null, 'the signature is checked on the fast path too');
  await assert.rejects(appendEntry(dir, entryInput(6), { keyStore, expectedHead: head }), /does not verify/);
});

test("a frontier whose last line or length is not the file's is not used, even with file times and MAC intact", async () => {
  const dir = tempDir('frontier-tail');
  const { keyStore, head } = await buildLog(dir, 4);
  const hmacKey = await keyStore.getOrCreateHmacKey();
  const path = join(dir, FRONTIER_FILE);
  const { mac: _mac, ...f } = JSON.parse(readFileSync(path, 'utf8'));
  const remac = (g: object): void => writeFileSync(path, JSON.stringify({ ...g, mac: hmacSha256Hex(hmacKey, 'erase-workbench/audit/v1/frontier\0' + canonicalJson(g)) }));
  remac({ ...f, log: { ...f.log, lastLineHash: 'ab'.repeat(32) } });
  assert.equal(usableFrontier(dir, hmacKey, head), null, 'another last line');
  remac({ ...f, checkpoints: { ...f.checkpoints, lastLineOffset: f.checkpoints.lastLineOffset + 1 } });
  assert.equal(usableFrontier(dir, hmacKey, head), null, 'not at a line start');
  remac({ ...f, log: { ...f.log, bytes: f.log.bytes - 1 } });
  assert.equal(usableFrontier(dir, hmacKey, head), null, 'another length');
  remac(f);
  assert.notEqual(usableFrontier(dir, hmacKey, head), null, 'the untouched frontier is used');
});

test('a failure at any write step of an append leaves a log that recovers, and the frontier never claims more than the files hold', async () => {
  const base = tempDir('frontier-steps-count');
  const keyStore = new MemoryKeyStore();
  const built = await buildLog(base, 5, keyStore);
  let steps = 0;
  onWriteStep(() => steps++);
  await appendEntry(base, entryInput(5), { keyStore, expectedHead: built.head });
  onWriteStep(null);
  // two appends with their syncs, and the frontier written beside and renamed (not synced: it is a checked cache)
  assert.ok(steps >= 6, `an append has the two lines and the frontier as write steps (${steps})`);
  for (let failAt = 1; failAt <= steps; failAt++) {
    const dir = tempDir(`frontier-step-${failAt}`);
    const { head } = await buildLog(dir, 5, keyStore);
    let n = 0;
    onWriteStep((step) => {
      if (++n === failAt) throw new Error(`simulated crash at step ${failAt} (${step})`);
    });
    try {
      await appendEntry(dir, entryInput(5), { keyStore, expectedHead: head });
    } catch {
      /* the simulated crash */
    } finally {
      onWriteStep(null);
    }
    // The frontier, if usable, describes a prefix the files really hold.
    const usable = usableFrontier(dir, await keyStore.getOrCreateHmacKey(), undefined);
    const onDisk = await readLog(dir);
    if (usable !== null) assert.equal(usable.frontier.rootHash, (await currentHead(dir)).rootHash, `step ${failAt}`);
    // Recover as the transaction does: repair a torn line, anchor our own unsigned entry.
    await repairTornTail(dir);
    const size = (await readLog(dir)).entries.length;
    if ((await verifyLog(dir)).problems.some((p) => p.kind === 'unanchored')) {
      await writeCheckpoint(dir, { keyStore, time: '2026-06-01T00:00:00Z', acceptUnanchored: true });
    }
    const now = await currentHead(dir);
    assert.ok(now.size === 5 || now.size === 6, `step ${failAt}: ${onDisk.entries.length} entries`);
    assert.equal(size, now.size);
    const next = await appendEntry(dir, entryInput(6), { keyStore, expectedHead: now });
    const after = await appendEntry(dir, entryInput(7), { keyStore, expectedHead: next.head });
    const report = await verifyLog(dir, { expectedHead: after.head });
    assert.equal(report.ok, true, `step ${failAt}: ${JSON.stringify(report.problems)}`);
    assert.deepEqual(usableFrontier(dir, await keyStore.getOrCreateHmacKey(), after.head)?.frontier.size, after.head.size, `step ${failAt}: frontier rebuilt`);
  }
});

test('a stale frontier (older than the files) is not used; the full path rebuilds it', async () => {
  const dir = tempDir('frontier-stale');
  const { keyStore, head } = await buildLog(dir, 6);
  const old = readFileSync(join(dir, FRONTIER_FILE));
  const r = await appendEntry(dir, entryInput(6), { keyStore, expectedHead: head });
  writeFileSync(join(dir, FRONTIER_FILE), old);
  assert.equal(usableFrontier(dir, await keyStore.getOrCreateHmacKey(), r.head), null, 'behind the files');
  assert.equal(usableFrontier(dir, await keyStore.getOrCreateHmacKey(), undefined), null, 'behind the files, whatever the caller expects');
  const r2 = await appendEntry(dir, entryInput(7), { keyStore, expectedHead: r.head });
  assert.equal(usableFrontier(dir, await keyStore.getOrCreateHmacKey(), r2.head)?.frontier.size, 8);
  // A rolled-back caller head is not the frontier's: the full path reports it.
  await assert.rejects(appendEntry(dir, entryInput(8), { keyStore, expectedHead: head }), /does not verify/);
  // No frontier at all: the full path, which writes one.
  const g = tempDir('frontier-none');
  const built = await buildLog(g, 3, keyStore);
  writeFileSync(join(g, FRONTIER_FILE), '');
  await appendEntry(g, entryInput(3), { keyStore, expectedHead: built.head });
  assert.ok(existsSync(join(g, FRONTIER_FILE)));
  assert.equal(usableFrontier(g, await keyStore.getOrCreateHmacKey(), undefined)?.frontier.size, 4);
});

test('key changes: the key entry takes the full path, and the frontier then trusts the added key', async () => {
  const dir = tempDir('frontier-keys');
  const cli = new MemoryKeyStore();
  const { head } = await buildLog(dir, 3, cli);
  const hmac = randomBytes(32);
  const extension = new MemoryKeyStore(hmac, generateSigningKeyPair(), [await cli.getOrCreateSigningKey()]);
  assert.equal(usableFrontier(dir, hmac, head), null, 'another HMAC key: not this store’s frontier');
  const r = await appendEntry(dir, entryInput(3), { keyStore: extension, expectedHead: head });
  assert.deepEqual(
    r.keyEntries.map((e) => e.action),
    ['key-add'],
  );
  const usable = usableFrontier(dir, hmac, r.head);
  const newId = publicKeyId((await extension.getOrCreateSigningKey()).publicKeyPem);
  assert.deepEqual(
    usable?.frontier.trustedKeys.map((k) => k.id),
    [publicKeyId((await cli.getOrCreateSigningKey()).publicKeyPem), newId],
  );
  assert.equal(usable?.frontier.hmacKeys[newId], (await verifyLog(dir)).keyChanges[0].hmacKeyFingerprint);
  // The new key appends on the frontier path; the same HMAC key with a lost-and-replaced one needs an hmac-key entry (full path).
  const r2 = await appendEntry(dir, entryInput(4), { keyStore: extension, expectedHead: r.head });
  assert.deepEqual(r2.keyEntries, []);
  const lost = new MemoryKeyStore(randomBytes(32), await extension.getOrCreateSigningKey());
  const r3 = await appendEntry(dir, entryInput(5), { keyStore: lost, expectedHead: r2.head });
  assert.deepEqual(
    r3.keyEntries.map((e) => e.action),
    ['hmac-key'],
  );
  const report = await verifyLog(dir, { expectedHead: r3.head });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  // A store whose key the log does not trust: a key-reset, via the full path.
  const stranger = new MemoryKeyStore(hmac);
  const r4 = await appendEntry(dir, entryInput(6), { keyStore: stranger, expectedHead: r3.head });
  assert.deepEqual(
    r4.keyEntries.map((e) => e.action),
    ['key-reset'],
  );
  assert.equal((await verifyLog(dir, { expectedHead: r4.head })).ok, true);
});

test('writeCheckpoint on the frontier signs the same head and keeps the frontier usable', async () => {
  const dir = tempDir('frontier-cp');
  const { keyStore, head } = await buildLog(dir, 5);
  const w = await writeCheckpoint(dir, { keyStore, time: '2026-07-01T00:00:00Z', expectedHead: head });
  assert.deepEqual(w.head, head);
  assert.equal(usableFrontier(dir, await keyStore.getOrCreateHmacKey(), head)?.latestCheckpoint.checkpoint.time, '2026-07-01T00:00:00Z');
  const r = await appendEntry(dir, entryInput(5), { keyStore, expectedHead: head });
  assert.equal((await verifyLog(dir, { expectedHead: r.head })).ok, true);
});
