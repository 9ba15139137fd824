import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuditEntry,
  CHECKPOINT_FILE,
  FileKeyStore,
  LOG_FILE,
  MemoryKeyStore,
  PUBLIC_KEY_FILE,
  appendEntry,
  checkContentCommitment,
  consistency,
  currentHead,
  derivePublicPem,
  encodeEntry,
  exportReport,
  generateSigningKeyPair,
  proveRequest,
  readLog,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifyLog,
  writeCheckpoint,
} from '../../src/core/audit/index';
import { canonicalJson } from '../../src/core/hash';
import { UserError } from '../../src/core/errors';
import { buildLog, entryInput, secretContent, secretId, tempDir } from './audit.helpers';

test('appends get consecutive seq, chain to the previous head, and a signed checkpoint each', async () => {
  const dir = tempDir('append');
  const { head, publicKeyPem, keyStore } = await buildLog(dir, 6);
  const { entries } = await readLog(dir);
  assert.deepEqual(
    entries.map((e) => e.seq),
    [0, 1, 2, 3, 4, 5],
  );
  assert.equal(entries[0].prevRoot, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.deepEqual(await currentHead(dir), head);
  assert.equal(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8').split('\n').length - 1, 6);
  assert.equal(readFileSync(join(dir, PUBLIC_KEY_FILE), 'utf8'), publicKeyPem);
  // Each stored line is exactly canonicalJson of its entry.
  for (const [i, line] of readFileSync(join(dir, LOG_FILE), 'utf8').split('\n').slice(0, -1).entries()) {
    assert.equal(line, canonicalJson(entries[i]));
    assert.equal(line, encodeEntry(entries[i]));
  }
  const r = await appendEntry(dir, entryInput(6), { keyStore, expectedHead: head });
  assert.equal(r.entry.seq, 6);
  assert.equal(r.entry.prevRoot, head.rootHash);
  assert.equal(r.checkpoint.checkpoint.size, 7);
  assert.equal((await verifyLog(dir, { expectedHead: r.head, keys: { publicKeyPem } })).ok, true);
});

test('appendEntry refuses to extend a log that does not verify, and writes nothing', async () => {
  const dir = tempDir('refuse');
  const { head, keyStore } = await buildLog(dir, 4);
  const logPath = join(dir, LOG_FILE);
  const bytes = readFileSync(logPath);
  const tampered = Buffer.from(bytes);
  tampered[40] ^= 0x01;
  writeFileSync(logPath, tampered);
  const cps = readFileSync(join(dir, CHECKPOINT_FILE));
  await assert.rejects(appendEntry(dir, entryInput(4), { keyStore, expectedHead: head }), (e: unknown) => e instanceof UserError && /does not verify/.test(e.message));
  assert.deepEqual(readFileSync(logPath), tampered);
  assert.deepEqual(readFileSync(join(dir, CHECKPOINT_FILE)), cps, 'no checkpoint may be signed over a tampered log');

  writeFileSync(logPath, bytes);
  await assert.rejects(appendEntry(dir, entryInput(4), { keyStore, expectedHead: { size: 5, rootHash: head.rootHash } }), UserError);
  appendFileSync(logPath, '{"half":');
  await assert.rejects(appendEntry(dir, entryInput(4), { keyStore, expectedHead: head }), /incomplete line/);
  // A different signing key (another device, or the wrong workspace's key store) is not refused:
  // it is added by a key-reset entry first, which verification always reports.
  writeFileSync(logPath, bytes);
  const other = await appendEntry(dir, entryInput(4), { keyStore: new MemoryKeyStore(), expectedHead: head });
  assert.deepEqual(
    other.keyEntries.map((e) => [e.seq, e.action]),
    [[4, 'key-reset']],
  );
  assert.equal(other.entry.seq, 5);
  const after = await verifyLog(dir, { expectedHead: other.head });
  assert.equal(after.ok, true, JSON.stringify(after.problems));
  assert.ok(after.warnings.some((w) => w.includes('entry 4 is a KEY RESET')));
});

test('concurrent appends in one process are serialised', async () => {
  const dir = tempDir('concurrent');
  const keyStore = new MemoryKeyStore();
  const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => appendEntry(dir, entryInput(i), { keyStore })));
  assert.deepEqual(results.map((r) => r.entry.seq).sort(), [0, 1, 2, 3, 4, 5]);
  const { publicKeyPem } = await keyStore.getOrCreateSigningKey();
  const last = results.reduce((a, b) => (a.head.size > b.head.size ? a : b));
  const report = await verifyLog(dir, { expectedHead: last.head, keys: { publicKeyPem } });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.ok(!readdirSync(dir).includes('audit.lock'), 'lock released');
});

test('no erased id or content reaches any file, report or proof', async () => {
  const dir = tempDir('noleak');
  const { publicKeyPem, keyStore, head } = await buildLog(dir, 12);
  const outputs: string[] = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'latin1'));
  for (const fmt of ['md', 'html', 'json', 'csv'] as const) outputs.push(await exportReport(dir, fmt, { expectedHead: head, keys: { publicKeyPem } }));
  outputs.push(JSON.stringify(await proveRequest(dir, 'REQ-0001', { expectedHead: head, keys: { publicKeyPem } })));
  const all = outputs.join('\n');
  // The fixture names every id SECRET-ID-… and every content SECRET-CONTENT-….
  assert.ok(!all.includes('SECRET'), 'a distinctive erased string was found in the log files or reports');
  assert.ok(!all.includes('zebra-quartz') && !all.includes('mauve'));
  // And yet the key holder can confirm what was erased where.
  const { entries } = await readLog(dir);
  const key = await keyStore.getOrCreateHmacKey();
  assert.equal(checkContentCommitment(key, secretContent(10), entries[1]), true);
  assert.equal(checkContentCommitment(key, secretContent(10), entries[2]), false);
});

test('an entry whose notes or requester quote erased data is refused', async () => {
  const dir = tempDir('leakguard');
  const keyStore = new MemoryKeyStore();
  const input = { ...entryInput(1), notes: `removed because ${secretContent(10)} was wrong` };
  await assert.rejects(appendEntry(dir, input, { keyStore }), (e: unknown) => e instanceof UserError && !e.message.includes('SECRET'));
  await assert.rejects(appendEntry(dir, { ...entryInput(1), requester: secretId(11) }, { keyStore }), UserError);
  assert.deepEqual((await readLog(dir)).entries, []);
  // Invalid fields are refused with a UserError too.
  await assert.rejects(appendEntry(dir, { ...entryInput(1), time: 'yesterday' }, { keyStore }), /time must be/);
  await assert.rejects(appendEntry(dir, { ...entryInput(1), stateHashAfter: 'abc' }, { keyStore }), /stateHashAfter/);
});

test('FileKeyStore creates private files, reuses them, and warns about loose permissions', async () => {
  const root = tempDir('keys');
  const keysDir = join(root, '.erase', 'keys');
  const warnings: string[] = [];
  const store = new FileKeyStore(keysDir, (m) => warnings.push(m));
  const k1 = await store.getOrCreateHmacKey();
  const s1 = await store.getOrCreateSigningKey();
  assert.equal(k1.length, 32);
  assert.equal(derivePublicPem(s1.privateKeyPem), s1.publicKeyPem);
  if (process.platform !== 'win32') {
    assert.equal(statSync(keysDir).mode & 0o777, 0o700);
    for (const f of readdirSync(keysDir)) {
      const mode = statSync(join(keysDir, f)).mode & 0o777;
      assert.equal(mode, f.endsWith('.pub.pem') ? 0o644 : 0o600, f);
    }
    assert.deepEqual(warnings, []);
  }
  const again = new FileKeyStore(keysDir, (m) => warnings.push(m));
  assert.deepEqual(Buffer.from(await again.getOrCreateHmacKey()), Buffer.from(k1));
  assert.deepEqual(await again.getOrCreateSigningKey(), s1);
  if (process.platform !== 'win32') {
    chmodSync(join(keysDir, 'audit-hmac.key'), 0o644);
    await again.getOrCreateHmacKey();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /chmod 600/);
  }
  // A log written with file keys verifies with the public key alone.
  const dir = join(root, '.erase', 'audit');
  const r = await appendEntry(dir, entryInput(0), { keyStore: store });
  assert.equal((await verifyLog(dir, { expectedHead: r.head, keys: { publicKeyPem: s1.publicKeyPem } })).ok, true);
});

test('an entry written without its checkpoint (crash) is reported; writeCheckpoint anchors it only when told', async () => {
  const dir = tempDir('crash');
  const { keyStore, head, publicKeyPem } = await buildLog(dir, 3);
  // Simulate the crash: the entry line reached the disk, its checkpoint did not.
  const cps = readFileSync(join(dir, CHECKPOINT_FILE));
  const r = await appendEntry(dir, entryInput(3), { keyStore, expectedHead: head });
  writeFileSync(join(dir, CHECKPOINT_FILE), cps);
  const report = await verifyLog(dir, { keys: { publicKeyPem } });
  assert.deepEqual(
    report.problems.map((p) => p.kind),
    ['unanchored'],
  );
  await assert.rejects(writeCheckpoint(dir, { keyStore, time: '2026-05-01T00:00:00Z' }), /not covered by a signed checkpoint/);
  const w = await writeCheckpoint(dir, { keyStore, time: '2026-05-01T00:00:00Z', acceptUnanchored: true });
  assert.deepEqual(w.head, r.head);
  assert.equal((await verifyLog(dir, { expectedHead: r.head, keys: { publicKeyPem } })).ok, true);
});

test('inclusion proofs for a request verify standalone; altered ones do not', async () => {
  const dir = tempDir('prove');
  const { head, publicKeyPem } = await buildLog(dir, 13);
  const proofs = await proveRequest(dir, 'REQ-0003', { expectedHead: head, keys: { publicKeyPem } });
  assert.deepEqual(
    proofs.map((p) => p.leafIndex),
    [6, 7],
  );
  for (const p of proofs) {
    const json = JSON.parse(JSON.stringify(p)); // what a third party receives
    assert.deepEqual(verifyInclusionProof(json, publicKeyPem), { ok: true, problems: [] });
    assert.equal(json.treeSize, 13);
    const entry = JSON.parse(json.entry) as AuditEntry;
    assert.equal(entry.requestId, 'REQ-0003');

    const editedEntry = { ...json, entry: json.entry.replace('"erasedCount":', '"erasedCount":1') };
    assert.equal(verifyInclusionProof(editedEntry, publicKeyPem).ok, false);
    const rehashed = { ...editedEntry, leafHash: undefined };
    assert.equal(verifyInclusionProof(rehashed).ok, false);
    const badPath = { ...json, auditPath: json.auditPath.map((h: string, i: number) => (i === 1 ? h.replace(/^./, (c: string) => (c === '0' ? '1' : '0')) : h)) };
    assert.equal(verifyInclusionProof(badPath, publicKeyPem).ok, false);
    assert.equal(verifyInclusionProof({ ...json, leafIndex: json.leafIndex + 1 }).ok, false);
    assert.equal(verifyInclusionProof(json, generateSigningKeyPair().publicKeyPem).ok, false, 'wrong key');
    const forgedRoot = { ...json, rootHash: '0'.repeat(64) };
    assert.equal(verifyInclusionProof(forgedRoot).ok, false);
  }
  await assert.rejects(proveRequest(dir, 'REQ-NOPE', { keys: { publicKeyPem } }), UserError);
  // A log that does not verify yields no proofs.
  appendFileSync(join(dir, LOG_FILE), 'x');
  await assert.rejects(proveRequest(dir, 'REQ-0003', { keys: { publicKeyPem } }), /does not verify/);
});

test('consistency proofs between tree heads verify; an old head is provably a prefix of the new log', async () => {
  const dir = tempDir('consistency');
  const { keyStore, head, publicKeyPem } = await buildLog(dir, 9);
  const oldHead = head;
  let h = head;
  for (let i = 9; i < 14; i++) h = (await appendEntry(dir, entryInput(i), { keyStore, expectedHead: h })).head;
  const proof = await consistency(dir, oldHead.size, h.size, { expectedHead: h, keys: { publicKeyPem } });
  assert.equal(proof.fromRoot, oldHead.rootHash);
  assert.equal(proof.toRoot, h.rootHash);
  assert.equal(verifyConsistencyProof(JSON.parse(JSON.stringify(proof))), true);
  assert.equal(verifyConsistencyProof({ ...proof, fromRoot: h.rootHash }), false);
  assert.equal(verifyConsistencyProof({ ...proof, from: proof.from - 1 }), false);
  assert.equal(verifyConsistencyProof({ ...proof, proof: proof.proof.slice(1) }), false);
  for (let from = 0; from <= 14; from++) {
    const p = await consistency(dir, from, 14, { keys: { publicKeyPem } });
    assert.equal(verifyConsistencyProof(p), true, `from ${from}`);
  }
  await assert.rejects(consistency(dir, 5, 15, { keys: { publicKeyPem } }), UserError);
});
