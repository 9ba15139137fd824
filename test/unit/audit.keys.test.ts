/**
 * Keys never block an erasure: a new device, browser profile or tool with keys the log has not
 * seen adds them by an audited key entry, and verification replays the trusted keys from the
 * log's start. Forged entries and unvouched key entries are still detected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  AuditEntry,
  CHECKPOINT_FILE,
  FileKeyStore,
  LOG_FILE,
  MemoryKeyStore,
  appendEntry,
  buildEntry,
  buildKeyEntry,
  buildReportModel,
  checkCommitment,
  consistency,
  encodeCheckpoint,
  encodeEntry,
  exportReport,
  generateSigningKeyPair,
  hashLeaf,
  hmacKeyFingerprint,
  prefixRoots,
  proveRequest,
  publicKeyId,
  readLog,
  signCheckpoint,
  validateEntry,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifyLog,
  writeCheckpoint,
  type SigningKeyPair,
} from '../../src/core/audit/index';
import { EraseWorkspace, eraseExamples } from '../../src/core/workspace';
import { loadMeta } from '../../src/core/workspace/persisted';
import { SecretStorageKeyStore } from '../../src/extension/secretKeyStore';
import { buildLog, entryInput, tempDir } from './audit.helpers';

const WORDS = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold'];

function workspace(n = 120): string {
  const dir = mkdtempSync(join(tmpdir(), 'erase-keys-ws-'));
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ input: `a ${WORDS[(i * 7) % WORDS.length]} example number ${i}`, output: i % 2 ? 'yes' : 'no' }));
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const lines = (dir: string, file: string): string[] => readFileSync(join(dir, file), 'utf8').split('\n').slice(0, -1);

/** Appends `entry` as the next line (correctly chained) and a checkpoint over it signed by `signer`. */
function appendForged(dir: string, make: (seq: number, prevRoot: string) => AuditEntry, signer: SigningKeyPair): void {
  const leaves = lines(dir, LOG_FILE).map((l) => hashLeaf(Buffer.from(l, 'utf8')));
  const line = encodeEntry(make(leaves.length, prefixRoots(leaves)[leaves.length].toString('hex')));
  appendFileSync(join(dir, LOG_FILE), line + '\n');
  leaves.push(hashLeaf(Buffer.from(line, 'utf8')));
  const cp = signCheckpoint(
    { size: leaves.length, rootHash: prefixRoots(leaves)[leaves.length].toString('hex'), time: '2026-05-01T00:00:00.000Z' },
    signer.privateKeyPem,
    signer.publicKeyPem,
  );
  appendFileSync(join(dir, CHECKPOINT_FILE), encodeCheckpoint(cp) + '\n');
}

test('CLI key files, then an empty key store (new browser profile), then the CLI again: all three erasures succeed and the log verifies with the reset reported', async () => {
  const file = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const cli = new FileKeyStore(ws.paths.keysDir);
  const ids = ws
    .loadDataset()
    .examples.map((e) => e.id)
    .sort();

  const first = await eraseExamples(ws, { ids: [ids[0]], requestId: 'REQ-CLI-1', time: '2026-05-01T10:00:00.000Z' }, {}, cli);
  const browser = new MemoryKeyStore(); // the extension with empty SecretStorage and no key files it could adopt
  const second = await eraseExamples(ws, { ids: [ids[1]], requestId: 'REQ-BROWSER', time: '2026-05-01T11:00:00.000Z' }, {}, browser);
  const third = await eraseExamples(ws, { ids: [ids[2]], requestId: 'REQ-CLI-2', time: '2026-05-01T12:00:00.000Z' }, {}, cli);
  assert.deepEqual(
    [first, second, third].map((r) => r.alreadyDone),
    [false, false, false],
  );
  assert.equal(second.auditSeq, first.auditSeq + 2, 'a key entry goes right before the browser profile’s erasure');
  assert.equal(third.auditSeq, second.auditSeq + 1, 'the CLI key stays trusted: no further key entry');
  assert.equal(ws.loadDataset().examples.filter((e) => ids.slice(0, 3).includes(e.id)).length, 0, 'all three are gone from the data');

  const { entries } = await readLog(ws.paths.auditDir);
  const reset = entries[first.auditSeq + 1];
  assert.equal(reset.action, 'key-reset');
  assert.equal(reset.v, 2);
  const browserPair = await browser.getOrCreateSigningKey();
  assert.equal(reset.key?.signingKeyId, publicKeyId(browserPair.publicKeyPem));
  assert.equal(reset.key?.publicKeyPem, browserPair.publicKeyPem);
  assert.equal(reset.key?.hmacKeyFingerprint, hmacKeyFingerprint(await browser.getOrCreateHmacKey()));
  assert.ok(!readFileSync(join(ws.paths.auditDir, LOG_FILE), 'utf8').includes(Buffer.from(await browser.getOrCreateHmacKey()).toString('hex')), 'never the HMAC key itself');
  // Each erasure's commitment is checkable with the HMAC key of the store that made it.
  assert.equal(checkCommitment(await browser.getOrCreateHmacKey(), ids[1], entries[second.auditSeq]), true);
  assert.equal(checkCommitment(await cli.getOrCreateHmacKey(), ids[2], entries[third.auditSeq]), true);

  const expectedHead = loadMeta(ws.paths)!.auditHead!;
  const report = await verifyLog(ws.paths.auditDir, { expectedHead });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.ok(
    report.warnings.some((w) => w.includes(`entry ${reset.seq} is a KEY RESET`)),
    report.warnings.join('\n'),
  );
  assert.deepEqual(report.trustedKeyIds, [publicKeyId((await cli.getOrCreateSigningKey()).publicKeyPem), reset.key!.signingKeyId]);
  // The auditor's own copy of the genesis key is enough: later keys come from the log.
  const withAuditorKey = await verifyLog(ws.paths.auditDir, { expectedHead, keys: { publicKeyPem: (await cli.getOrCreateSigningKey()).publicKeyPem } });
  assert.equal(withAuditorKey.ok, true, JSON.stringify(withAuditorKey.problems));

  const model = await buildReportModel(ws.paths.auditDir, { expectedHead });
  const cliId = publicKeyId((await cli.getOrCreateSigningKey()).publicKeyPem);
  assert.deepEqual(
    model.keyChanges.map((c) => [c.seq, c.action, c.vouchedBy]),
    [[reset.seq, 'key-reset', cliId]],
    'the CLI’s later checkpoint covered the reset; it is still a reset',
  );
  assert.ok(report.warnings.some((w) => w.includes(`covered it later`)));
  assert.match(model.keyChanges[0].meaning, /KEY RESET.*stay checkable only with the HMAC key used then/);
  const md = await exportReport(ws.paths.auditDir, 'md', { expectedHead });
  assert.match(md, /## Signing and HMAC keys/);
  assert.match(md, new RegExp(`\\| ${reset.seq} \\| .* \\| \\*\\*KEY RESET\\*\\* \\| ${reset.key!.signingKeyId}`));
  assert.match(md, new RegExp(`note: entry ${reset.seq} is a KEY RESET`));
  const html = await exportReport(ws.paths.auditDir, 'html', { expectedHead });
  assert.match(html, /<strong class="bad">KEY RESET<\/strong>/);
  assert.ok(html.includes(reset.key!.hmacKeyFingerprint));
  const json = JSON.parse(await exportReport(ws.paths.auditDir, 'json', { expectedHead }));
  assert.equal(json.keyChanges[0].action, 'key-reset');
  const csv = await exportReport(ws.paths.auditDir, 'csv', { expectedHead });
  assert.ok(csv.split('\r\n')[0].endsWith(',"keyId","hmacKeyFingerprint"'));
  assert.ok(
    csv.split('\r\n').some((row) => row.includes(',"key-reset",') && row.includes(reset.key!.signingKeyId)),
    csv,
  );
});

test('a key store that also holds a trusted key adds its new key by a countersigned key-add, not a reset', async () => {
  const dir = tempDir('key-add');
  const cli = new MemoryKeyStore();
  const { head } = await buildLog(dir, 3, cli);
  const extension = new MemoryKeyStore(randomBytes(32), generateSigningKeyPair(), [await cli.getOrCreateSigningKey()]);
  const r = await appendEntry(dir, entryInput(3), { keyStore: extension, expectedHead: head });
  assert.deepEqual(
    r.keyEntries.map((e) => e.action),
    ['key-add'],
  );
  const report = await verifyLog(dir, { expectedHead: r.head });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.ok(!report.warnings.some((w) => w.includes('KEY RESET')), 'a countersigned key is not a reset');
  assert.deepEqual(
    report.keyChanges.map((c) => [c.action, c.vouchedBy]),
    [['key-add', publicKeyId((await cli.getOrCreateSigningKey()).publicKeyPem)]],
  );
  // The extension's own key is trusted now: later appends need no key entry.
  const again = await appendEntry(dir, entryInput(4), {
    keyStore: new MemoryKeyStore(await extension.getOrCreateHmacKey(), await extension.getOrCreateSigningKey()),
    expectedHead: r.head,
  });
  assert.deepEqual(again.keyEntries, []);
});

test('a signer whose HMAC key was lost records the new fingerprint by an hmac-key entry', async () => {
  const dir = tempDir('hmac-key');
  const { head } = await buildLog(dir, 2);
  const device = new MemoryKeyStore();
  const added = await appendEntry(dir, entryInput(2), { keyStore: device, expectedHead: head });
  const newHmac = randomBytes(32);
  const r = await appendEntry(dir, entryInput(3), { keyStore: new MemoryKeyStore(newHmac, await device.getOrCreateSigningKey()), expectedHead: added.head });
  assert.deepEqual(
    r.keyEntries.map((e) => [e.action, e.key?.hmacKeyFingerprint, e.key?.publicKeyPem]),
    [['hmac-key', hmacKeyFingerprint(newHmac), undefined]],
  );
  const report = await verifyLog(dir, { expectedHead: r.head });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  const md = await exportReport(dir, 'md', { expectedHead: r.head });
  assert.match(md, /the HMAC key of signing key .* was replaced .*stay checkable only with the HMAC key used then/);
});

/** Appends a key-add for the attacker's key, signed (checkpointed) by the attacker alone. */
function appendForgedKeyAdd(dir: string, attacker: ReturnType<typeof generateSigningKeyPair>, attackerId: string): void {
  appendForged(
    dir,
    (seq, prevRoot) =>
      buildKeyEntry(
        {
          action: 'key-add',
          time: '2026-05-01T00:00:00.000Z',
          toolVersion: 'x',
          key: { signingKeyId: attackerId, publicKeyPem: attacker.publicKeyPem, hmacKeyFingerprint: 'a'.repeat(64) },
        },
        seq,
        prevRoot,
      ),
    attacker,
  );
}

test('a key-add countersigned only by the new (untrusted) key is rejected, and appends refuse to build on it', async () => {
  const dir = tempDir('key-add-forged');
  const { head, keyStore } = await buildLog(dir, 4);
  const attacker = generateSigningKeyPair();
  const attackerId = publicKeyId(attacker.publicKeyPem);
  appendForgedKeyAdd(dir, attacker, attackerId);
  appendForged(dir, (seq, prevRoot) => buildEntry({ ...entryInput(5), requestId: 'REQ-FORGED' }, seq, prevRoot, randomBytes(32)), attacker);
  const r = await verifyLog(dir);
  assert.equal(r.ok, false);
  assert.ok(r.problems.some((p) => p.kind === 'key-unauthorized' && p.seq === 4));
  assert.ok(r.problems.some((p) => p.kind === 'checkpoint-key'));
  assert.ok(!r.trustedKeyIds.includes(attackerId));
  const before = readFileSync(join(dir, LOG_FILE));
  await assert.rejects(appendEntry(dir, entryInput(6), { keyStore, expectedHead: head }), /does not verify/);
  assert.deepEqual(readFileSync(join(dir, LOG_FILE)), before, 'nothing appended over it');
});

test('in a log with several signers, a forged entry signed by yet another key without a key entry is still detected', async () => {
  const dir = tempDir('forge-multi');
  const { head } = await buildLog(dir, 3);
  const device = new MemoryKeyStore();
  const r = await appendEntry(dir, entryInput(3), { keyStore: device, expectedHead: head });
  assert.equal((await verifyLog(dir, { expectedHead: r.head })).ok, true);
  const attacker = generateSigningKeyPair();
  appendForged(dir, (seq, prevRoot) => buildEntry({ ...entryInput(6), requestId: 'REQ-FORGED' }, seq, prevRoot, randomBytes(32)), attacker);
  const noHead = await verifyLog(dir);
  assert.equal(noHead.ok, false);
  assert.ok(noHead.problems.some((p) => p.kind === 'checkpoint-key'));
  assert.ok(noHead.problems.some((p) => p.kind === 'unanchored'));
  // And the device's own key cannot be used to claim the forged entry after the fact by an outsider.
  assert.ok(!noHead.trustedKeyIds.includes(publicKeyId(attacker.publicKeyPem)));
});

test('a forged key-reset is accepted but can never hide: verify warns naming the entry, the export marks it', async () => {
  const dir = tempDir('reset-visible');
  await buildLog(dir, 3);
  const attacker = generateSigningKeyPair();
  const id = publicKeyId(attacker.publicKeyPem);
  appendForged(
    dir,
    (seq, prevRoot) =>
      buildKeyEntry(
        {
          action: 'key-reset',
          time: '2026-05-01T00:00:00.000Z',
          toolVersion: 'x',
          key: { signingKeyId: id, publicKeyPem: attacker.publicKeyPem, hmacKeyFingerprint: 'b'.repeat(64) },
        },
        seq,
        prevRoot,
      ),
    attacker,
  );
  const r = await verifyLog(dir);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.ok(r.warnings.some((w) => w.startsWith('entry 3 is a KEY RESET')));
  assert.match(await exportReport(dir, 'md'), /\*\*KEY RESET\*\*/);
});

test('writeCheckpoint signs with a trusted key of the store; an untrusted store is refused', async () => {
  const dir = tempDir('write-cp');
  const { keyStore } = await buildLog(dir, 2);
  await assert.rejects(writeCheckpoint(dir, { keyStore: new MemoryKeyStore(), time: '2026-05-01T00:00:00.000Z' }), /none of this key store's signing keys is trusted/);
  const other = new MemoryKeyStore(randomBytes(32), generateSigningKeyPair(), [await keyStore.getOrCreateSigningKey()]);
  const { checkpoint } = await writeCheckpoint(dir, { keyStore: other, time: '2026-05-01T00:00:00.000Z' });
  assert.equal(checkpoint.keyId, publicKeyId((await keyStore.getOrCreateSigningKey()).publicKeyPem));
});

test('entry schema: key entries are version 2 with a key field; version 1 can never carry one', () => {
  const pair = generateSigningKeyPair();
  const key = { signingKeyId: publicKeyId(pair.publicKeyPem), publicKeyPem: pair.publicKeyPem, hmacKeyFingerprint: 'c'.repeat(64) };
  const e = buildKeyEntry({ action: 'key-reset', time: '2026-05-01T00:00:00.000Z', toolVersion: 'x', key }, 0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.deepEqual(validateEntry(e), []);
  assert.ok(validateEntry({ ...e, v: 1 }).some((p) => p.includes('needs version 2')));
  assert.ok(validateEntry({ ...e, key: undefined }).some((p) => p.includes('needs a key field')));
  assert.ok(validateEntry({ ...e, key: { ...key, signingKeyId: 'd'.repeat(64) } }).some((p) => p.includes('does not match')));
  assert.ok(validateEntry({ ...e, key: { ...key, secret: 'x' } }).some((p) => p.includes('unknown fields')));
  assert.ok(validateEntry({ ...e, key: { ...key, publicKeyPem: pair.publicKeyPem.replace('\n', '\n\n') } }).length > 0);
  assert.ok(validateEntry({ ...e, action: 'erase' }).some((p) => p.includes('only key entries')));
  assert.ok(validateEntry({ ...e, action: 'hmac-key' }).some((p) => p.includes('adds no signing key')));
  assert.throws(() => buildEntry({ ...entryInput(1), action: 'key-add' }, 0, e.prevRoot, randomBytes(32)), /written by the log itself/);
});

/** The extension's SecretStorage, as far as SecretStorageKeyStore uses it. */
function fakeSecrets(): ConstructorParameters<typeof SecretStorageKeyStore>[0] {
  const m = new Map<string, string>();
  return {
    get: async (k: string) => m.get(k),
    store: async (k: string, v: string) => void m.set(k, v),
    delete: async (k: string) => void m.delete(k),
    keys: async () => [...m.keys()],
    onDidChange: () => ({ dispose() {} }),
  } as unknown as ConstructorParameters<typeof SecretStorageKeyStore>[0];
}

test('the extension key store adopts CLI key files and its replaced key countersigns them (key-add, no reset)', async () => {
  const root = tempDir('ext-store');
  const auditDir = join(root, '.erase', 'audit');
  const keysDir = join(root, '.erase', 'keys');
  const extension = new SecretStorageKeyStore(fakeSecrets(), root, keysDir);
  const { head } = await buildLog(auditDir, 2, extension as unknown as MemoryKeyStore); // buildLog only calls KeyStore methods
  const own = await extension.getOrCreateSigningKey();
  // The CLI, which cannot read SecretStorage, made its own key files meanwhile.
  const cli = new FileKeyStore(keysDir);
  const cliPair = await cli.getOrCreateSigningKey();
  const cliHmac = await cli.getOrCreateHmacKey();
  assert.notEqual(cliPair.publicKeyPem, own.publicKeyPem);
  assert.equal((await extension.getOrCreateSigningKey()).publicKeyPem, cliPair.publicKeyPem, 'key files win');
  assert.deepEqual(
    (await extension.otherSigningKeys()).map((k) => k.publicKeyPem),
    [own.publicKeyPem],
    'the replaced key is kept',
  );
  const r = await appendEntry(auditDir, entryInput(2), { keyStore: extension, expectedHead: head });
  assert.deepEqual(
    r.keyEntries.map((e) => e.action),
    ['key-add'],
  );
  const report = await verifyLog(auditDir, { expectedHead: r.head });
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.equal(report.keyChanges[0].vouchedBy, publicKeyId(own.publicKeyPem));
  assert.equal(report.keyChanges[0].hmacKeyFingerprint, hmacKeyFingerprint(cliHmac), 'the adopted HMAC key file is recorded');
  // The CLI itself appends with the same (now trusted) key: no further key entry.
  const again = await appendEntry(auditDir, entryInput(3), { keyStore: cli, expectedHead: r.head });
  assert.deepEqual(again.keyEntries, []);
});

test('proofs and consistency keep working across a key reset; the inclusion proof checks against the trusted keys', async () => {
  const dir = tempDir('proofs');
  const { head, publicKeyPem } = await buildLog(dir, 4);
  const device = new MemoryKeyStore();
  const r = await appendEntry(dir, { ...entryInput(4), requestId: 'REQ-AFTER-RESET' }, { keyStore: device, expectedHead: head });
  const [proof] = await proveRequest(dir, 'REQ-AFTER-RESET', { expectedHead: r.head, keys: { publicKeyPem } });
  const devicePem = (await device.getOrCreateSigningKey()).publicKeyPem;
  assert.equal(verifyInclusionProof(proof, [publicKeyPem, devicePem]).ok, true);
  assert.deepEqual(verifyInclusionProof(proof, publicKeyPem).problems, ['the checkpoint is not signed by the given key'], 'signed by the new key, not the genesis key');
  assert.equal(verifyConsistencyProof(await consistency(dir, head.size, r.head.size, { expectedHead: r.head })), true);
});

test('a writer checks the signature of a checkpoint that countersigns a key entry, even where it checks only the latest', async () => {
  const dir = tempDir('fake-voucher');
  const { head, keyStore, publicKeyPem } = await buildLog(dir, 4);
  const attacker = generateSigningKeyPair();
  const attackerId = publicKeyId(attacker.publicKeyPem);
  // key-add for the attacker's key, "countersigned" by a checkpoint that names the log's key but is signed by the attacker
  appendForgedKeyAdd(dir, attacker, attackerId);
  const cps = lines(dir, CHECKPOINT_FILE);
  const fake = JSON.parse(cps[cps.length - 1]);
  fake.keyId = publicKeyId(publicKeyPem);
  writeFileSync(join(dir, CHECKPOINT_FILE), [...cps.slice(0, -1), encodeCheckpoint(fake)].map((l) => l + '\n').join(''));
  appendForged(dir, (seq, prevRoot) => buildEntry({ ...entryInput(5), requestId: 'REQ-FORGED' }, seq, prevRoot, randomBytes(32)), attacker);
  assert.ok((await verifyLog(dir)).problems.some((p) => p.kind === 'checkpoint-signature'));
  // Without a recorded head (which would flag the extra lines anyway) only the signature check stops it.
  await assert.rejects(appendEntry(dir, entryInput(6), { keyStore }), /does not verify/);
  await assert.rejects(appendEntry(dir, entryInput(6), { keyStore, expectedHead: head }), /does not verify/);
});

/** Appends `entry` as the next line (correctly chained), with no checkpoint: a crash before signing. */
function appendUnsigned(dir: string, make: (seq: number, prevRoot: string) => AuditEntry): void {
  const leaves = lines(dir, LOG_FILE).map((l) => hashLeaf(Buffer.from(l, 'utf8')));
  appendFileSync(join(dir, LOG_FILE), encodeEntry(make(leaves.length, prefixRoots(leaves)[leaves.length].toString('hex'))) + '\n');
}

async function keyEntryFor(store: MemoryKeyStore, action: 'key-add' | 'key-reset') {
  const pair = await store.getOrCreateSigningKey();
  const key = { signingKeyId: publicKeyId(pair.publicKeyPem), publicKeyPem: pair.publicKeyPem, hmacKeyFingerprint: hmacKeyFingerprint(await store.getOrCreateHmacKey()) };
  return (seq: number, prevRoot: string) => buildKeyEntry({ action, time: '2026-05-01T00:00:00.000Z', toolVersion: 'x', key }, seq, prevRoot);
}

test('a crash right after its own key entry never blocks the next append (signed or not yet signed), someone else’s still does', async () => {
  // signed key-reset, then the crash: the log is one entry past the recorded head
  const dir = tempDir('resume-signed');
  const { head } = await buildLog(dir, 3);
  const device = new MemoryKeyStore();
  appendForged(dir, await keyEntryFor(device, 'key-reset'), await device.getOrCreateSigningKey());
  const r = await appendEntry(dir, entryInput(3), { keyStore: device, expectedHead: head });
  assert.deepEqual(r.keyEntries, [], 'the key entry already there is used, not written twice');
  assert.equal(r.entry.seq, 4);
  assert.equal((await verifyLog(dir, { expectedHead: r.head })).ok, true);

  // key-add written, its countersigning checkpoint not: the store's trusted key signs it now
  const dir2 = tempDir('resume-unsigned');
  const built = await buildLog(dir2, 3);
  const extension = new MemoryKeyStore(randomBytes(32), generateSigningKeyPair(), [await built.keyStore.getOrCreateSigningKey()]);
  appendUnsigned(dir2, await keyEntryFor(extension, 'key-add'));
  const r2 = await appendEntry(dir2, entryInput(3), { keyStore: extension, expectedHead: built.head });
  assert.deepEqual(r2.keyEntries, []);
  const v2 = await verifyLog(dir2, { expectedHead: r2.head });
  assert.equal(v2.ok, true, JSON.stringify(v2.problems));
  assert.equal(v2.keyChanges[0].vouchedBy, publicKeyId(built.publicKeyPem));

  // a key entry for a key that is not the caller's is not resumed
  const dir3 = tempDir('resume-foreign');
  const b3 = await buildLog(dir3, 3);
  appendUnsigned(dir3, await keyEntryFor(new MemoryKeyStore(), 'key-reset'));
  await assert.rejects(appendEntry(dir3, entryInput(3), { keyStore: b3.keyStore, expectedHead: b3.head }), /does not verify/);
});
