/**
 * Tamper matrix: every way of editing the log we could think of must be reported by verifyLog,
 * and the untouched log must verify. The single-byte flips are exhaustive over both files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  AuditEntry,
  CHECKPOINT_FILE,
  LOG_FILE,
  PUBLIC_KEY_FILE,
  TreeHead,
  checkCommitment,
  commitId,
  encodeCheckpoint,
  encodeEntry,
  generateSigningKeyPair,
  hashLeaf,
  prefixRoots,
  repairTornTail,
  signCheckpoint,
  verifyLog,
  verifyLogBytes,
  VerifyReport,
} from '../../src/core/audit/index';
import { buildLog, secretId, tempDir } from './audit.helpers';

interface Row {
  name: string;
  expectDetected: boolean;
  detected: boolean;
  kinds: string;
}
const matrix: Row[] = [];

const base = tempDir('tamper-base');
let head: TreeHead;
let publicKeyPem: string;
let keyStoreHmac: Uint8Array;
const N = 20;

function lines(dir: string, file = LOG_FILE): string[] {
  return readFileSync(join(dir, file), 'utf8').split('\n').slice(0, -1);
}
function writeLines(dir: string, ls: string[], file = LOG_FILE): void {
  writeFileSync(join(dir, file), ls.map((l) => l + '\n').join(''));
}
function copyOfBase(tag: string): string {
  const dir = tempDir(tag);
  cpSync(base, dir, { recursive: true });
  return dir;
}
const kindsOf = (r: VerifyReport): string => [...new Set(r.problems.map((p) => p.kind))].join(',') || '-';

/** Re-chains entries after an edit the way a careful attacker would: seq and prevRoot recomputed. */
function rechain(entries: AuditEntry[]): string[] {
  const out: string[] = [];
  const leaves: Buffer[] = [];
  entries.forEach((e, i) => {
    const roots = prefixRoots(leaves);
    const line = encodeEntry({ ...e, seq: i, prevRoot: roots[i].toString('hex') });
    out.push(line);
    leaves.push(hashLeaf(Buffer.from(line, 'utf8')));
  });
  return out;
}

async function record(name: string, dir: string, opts: { withHead?: boolean; auditorKey?: boolean; expectDetected?: boolean } = {}): Promise<VerifyReport> {
  const report = await verifyLog(dir, {
    expectedHead: opts.withHead === false ? undefined : head,
    keys: opts.auditorKey === false ? undefined : { publicKeyPem },
  });
  const expectDetected = opts.expectDetected ?? true;
  matrix.push({ name, expectDetected, detected: !report.ok, kinds: kindsOf(report) });
  return report;
}

test('setup: a log of 20 entries verifies untouched', async () => {
  const built = await buildLog(base, N);
  head = built.head;
  publicKeyPem = built.publicKeyPem;
  keyStoreHmac = await built.keyStore.getOrCreateHmacKey();
  const r = await record('untouched log (auditor key + recorded head)', base, { expectDetected: false });
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.deepEqual(r.problems, []);
  assert.equal(r.size, N);
  assert.equal(r.rootHash, head.rootHash);
  const r2 = await record('untouched log (stored key, no recorded head)', base, { withHead: false, auditorKey: false, expectDetected: false });
  assert.equal(r2.ok, true);
  assert.ok(r2.warnings.length >= 2, 'weaker verification must say what it cannot prove');
});

/** Flips every byte of `target` (XOR mask) and verifies each variant; returns counts by kind. */
function flipAll(target: 'log' | 'checkpoints', mask: number): { positions: number; detected: number; missed: number[]; byKind: Map<string, number> } {
  const log = readFileSync(join(base, LOG_FILE));
  const cps = readFileSync(join(base, CHECKPOINT_FILE));
  const bytes = target === 'log' ? log : cps;
  const cache = new Map<string, boolean>();
  const byKind = new Map<string, number>();
  const missed: number[] = [];
  let detected = 0;
  for (let pos = 0; pos < bytes.length; pos++) {
    const copy = Buffer.from(bytes);
    copy[pos] ^= mask;
    // No recorded head: the checkpoints alone must catch every flip.
    const r =
      target === 'log'
        ? verifyLogBytes(copy, cps, { publicKeyPems: [publicKeyPem], signatureCache: cache })
        : verifyLogBytes(log, copy, { publicKeyPems: [publicKeyPem], signatureCache: cache });
    if (r.ok) missed.push(pos);
    else {
      detected++;
      const k = r.problems[0].kind;
      byKind.set(k, (byKind.get(k) ?? 0) + 1);
    }
  }
  return { positions: bytes.length, detected, missed, byKind };
}

test('every single-byte flip of audit.jsonl is detected (exhaustive, checkpoints only, no recorded head)', () => {
  const t0 = performance.now();
  const res = flipAll('log', 0x01);
  const ms = Math.round(performance.now() - t0);
  matrix.push({
    name: `flip each byte of ${LOG_FILE} (${res.positions} positions, XOR 0x01)`,
    expectDetected: true,
    detected: res.missed.length === 0,
    kinds: `${res.detected}/${res.positions} detected; first problem: ${[...res.byKind].map(([k, v]) => `${k} ${v}`).join(', ')}`,
  });
  console.log(`flipped ${res.positions} bytes of ${LOG_FILE} in ${ms} ms`);
  assert.deepEqual(res.missed, [], 'undetected flip positions');
  assert.equal(res.detected, res.positions);
});

test('every single-byte flip of checkpoints.jsonl is detected (exhaustive)', () => {
  const t0 = performance.now();
  const res = flipAll('checkpoints', 0x01);
  const ms = Math.round(performance.now() - t0);
  matrix.push({
    name: `flip each byte of ${CHECKPOINT_FILE} (${res.positions} positions, XOR 0x01)`,
    expectDetected: true,
    detected: res.missed.length === 0,
    kinds: `${res.detected}/${res.positions} detected; first problem: ${[...res.byKind].map(([k, v]) => `${k} ${v}`).join(', ')}`,
  });
  console.log(`flipped ${res.positions} bytes of ${CHECKPOINT_FILE} in ${ms} ms`);
  assert.deepEqual(res.missed, []);
});

test('byte flips through the real files (every 37th position, verifyLog on disk)', async () => {
  const size = readFileSync(join(base, LOG_FILE)).length;
  const dir = copyOfBase('flip-disk');
  const original = readFileSync(join(dir, LOG_FILE));
  let n = 0;
  for (let pos = 0; pos < size; pos += 37) {
    const copy = Buffer.from(original);
    copy[pos] ^= 0x80; // a different mask than the in-memory run: also produces invalid UTF-8
    writeFileSync(join(dir, LOG_FILE), copy);
    const r = await verifyLog(dir, { expectedHead: head, keys: { publicKeyPem } });
    assert.equal(r.ok, false, `flip at ${pos}`);
    n++;
  }
  matrix.push({ name: `flip every 37th byte of ${LOG_FILE} on disk (${n} positions, XOR 0x80)`, expectDetected: true, detected: true, kinds: `${n}/${n} detected` });
});

test('reordered entries are detected', async () => {
  const dir = copyOfBase('reorder');
  const ls = lines(dir);
  [ls[5], ls[6]] = [ls[6], ls[5]];
  writeLines(dir, ls);
  const r = await record('swap entries 5 and 6', dir);
  assert.ok(r.problems.some((p) => p.kind === 'seq' && p.seq === 5));
  assert.ok(r.problems.some((p) => p.kind === 'checkpoint-root'));

  const dir2 = copyOfBase('reorder-rechained');
  const entries = lines(dir2).map((l) => JSON.parse(l) as AuditEntry);
  [entries[5], entries[6]] = [entries[6], entries[5]];
  writeLines(dir2, rechain(entries));
  const r2 = await record('swap entries 5 and 6, seq + prevRoot recomputed', dir2);
  assert.ok(r2.problems.some((p) => p.kind === 'checkpoint-root'));
  assert.ok(!r2.problems.some((p) => p.kind === 'seq' || p.kind === 'chain'), 'the rechained copy is internally consistent; only signatures catch it');
});

test('a removed middle entry is detected', async () => {
  const dir = copyOfBase('remove');
  const ls = lines(dir);
  ls.splice(10, 1);
  writeLines(dir, ls);
  const r = await record('remove entry 10', dir);
  assert.ok(r.problems.some((p) => p.kind === 'seq' && p.seq === 10));

  const dir2 = copyOfBase('remove-rechained');
  const entries = lines(dir2).map((l) => JSON.parse(l) as AuditEntry);
  entries.splice(10, 1);
  writeLines(dir2, rechain(entries));
  const r2 = await record('remove entry 10, later entries renumbered + rechained', dir2);
  assert.ok(r2.problems.some((p) => p.kind === 'truncated' || p.kind === 'checkpoint-root'));
});

test('a truncated tail is detected against the recorded head and the latest checkpoint', async () => {
  const dir = copyOfBase('truncate');
  writeLines(dir, lines(dir).slice(0, N - 3));
  const r = await record('drop last 3 entries of audit.jsonl', dir);
  assert.ok(r.problems.filter((p) => p.kind === 'truncated').length >= 2, 'both the head and the checkpoint must flag it');

  const dir2 = copyOfBase('truncate-both');
  writeLines(dir2, lines(dir2).slice(0, N - 3));
  writeLines(dir2, lines(dir2, CHECKPOINT_FILE).slice(0, N - 3), CHECKPOINT_FILE);
  const r2 = await record('drop last 3 entries AND their checkpoints (recorded head given)', dir2);
  assert.ok(r2.problems.some((p) => p.kind === 'truncated'));

  // The documented limit: without the head kept outside the log this is undetectable.
  const r3 = await record('drop last 3 entries AND their checkpoints, NO recorded head (known limit)', dir2, { withHead: false, expectDetected: false });
  assert.equal(r3.ok, true);
  assert.ok(r3.warnings.some((w) => w.includes('recorded tree head')));

  const dir3 = copyOfBase('delete-all');
  unlinkSync(join(dir3, LOG_FILE));
  const r4 = await record('delete audit.jsonl', dir3);
  assert.ok(r4.problems.some((p) => p.kind === 'truncated'));

  const dir4 = copyOfBase('delete-cps');
  unlinkSync(join(dir4, CHECKPOINT_FILE));
  const r5 = await record('delete checkpoints.jsonl (no recorded head)', dir4, { withHead: false });
  assert.ok(r5.problems.some((p) => p.kind === 'no-checkpoint'));
});

function forgedEntry(dir: string): string {
  const entries = lines(dir).map((l) => JSON.parse(l) as AuditEntry);
  const template = entries[entries.length - 1];
  entries.push({ ...template, requestId: 'REQ-FORGED', notes: 'looks legitimate', erasedCount: 0, commitments: { ids: [], contents: [] } });
  const ls = rechain(entries);
  appendFileSync(join(dir, LOG_FILE), ls[ls.length - 1] + '\n');
  return ls[ls.length - 1];
}

test('a forged appended entry is detected', async () => {
  const dir = copyOfBase('forge');
  forgedEntry(dir);
  const r = await record('append a well-formed, correctly chained entry (no checkpoint)', dir, { withHead: false });
  assert.ok(r.problems.some((p) => p.kind === 'unanchored' && p.seq === N));
  const rh = await record('same, recorded head given', dir);
  assert.ok(rh.problems.some((p) => p.kind === 'beyond-head'));

  const attacker = generateSigningKeyPair();
  const dir2 = copyOfBase('forge-own-key');
  forgedEntry(dir2);
  const all = lines(dir2).map((l) => hashLeaf(Buffer.from(l, 'utf8')));
  const cp = signCheckpoint({ size: N + 1, rootHash: prefixRoots(all)[N + 1].toString('hex'), time: '2026-04-01T00:00:00.000Z' }, attacker.privateKeyPem, attacker.publicKeyPem);
  appendFileSync(join(dir2, CHECKPOINT_FILE), encodeCheckpoint(cp) + '\n');
  const r2 = await record('forged entry + checkpoint signed with another key', dir2, { withHead: false });
  assert.ok(r2.problems.some((p) => p.kind === 'checkpoint-key'));
  assert.ok(r2.problems.some((p) => p.kind === 'unanchored'));

  const dir3 = copyOfBase('forge-claimed-key');
  forgedEntry(dir3);
  const good = JSON.parse(lines(dir3, CHECKPOINT_FILE)[0]);
  appendFileSync(join(dir3, CHECKPOINT_FILE), encodeCheckpoint({ ...cp, keyId: good.keyId }) + '\n');
  const r3 = await record('forged entry + checkpoint claiming the log key id, wrong signer', dir3, { withHead: false });
  assert.ok(r3.problems.some((p) => p.kind === 'checkpoint-signature'));
});

test('a log re-signed with the wrong key is detected', async () => {
  const attacker = generateSigningKeyPair();
  const dir = copyOfBase('resign');
  const entries = lines(dir).map((l) => JSON.parse(l) as AuditEntry);
  entries[4] = { ...entries[4], requester: 'someone-else@example.com' };
  const ls = rechain(entries);
  writeLines(dir, ls);
  const roots = prefixRoots(ls.map((l) => hashLeaf(Buffer.from(l, 'utf8'))));
  writeLines(
    dir,
    ls.map((_, i) =>
      encodeCheckpoint(signCheckpoint({ size: i + 1, rootHash: roots[i + 1].toString('hex'), time: '2026-04-01T00:00:00.000Z' }, attacker.privateKeyPem, attacker.publicKeyPem)),
    ),
    CHECKPOINT_FILE,
  );
  writeFileSync(join(dir, PUBLIC_KEY_FILE), attacker.publicKeyPem);
  const r = await record('edit entry 4, rechain, re-sign all checkpoints + swap public key file (auditor key)', dir, { withHead: false });
  assert.ok(r.problems.some((p) => p.kind === 'checkpoint-key'));
  const r2 = await record('same, verified with the swapped stored key but recorded head given', dir, { auditorKey: false });
  assert.ok(r2.problems.some((p) => p.kind === 'head-mismatch'));
  const r3 = await record('same, stored key and no recorded head (known limit)', dir, { auditorKey: false, withHead: false, expectDetected: false });
  assert.equal(r3.ok, true);
  assert.ok(r3.warnings.some((w) => w.includes("auditor's own copy")));
});

test('an edited entry with recomputed chain is detected by the signed root', async () => {
  const dir = copyOfBase('edit');
  const entries = lines(dir).map((l) => JSON.parse(l) as AuditEntry);
  const i = entries.findIndex((e) => e.erasedCount === 3);
  entries[i] = { ...entries[i], erasedCount: 2, commitments: { ids: entries[i].commitments.ids.slice(0, 2), contents: entries[i].commitments.contents.slice(0, 2) } };
  writeLines(dir, rechain(entries));
  const r = await record(`hide one erased example in entry ${i} (rechained)`, dir, { withHead: false });
  assert.ok(r.problems.some((p) => p.kind === 'checkpoint-root'));

  const dir2 = copyOfBase('noncanonical');
  const ls = lines(dir2);
  ls[7] = JSON.stringify(JSON.parse(ls[7]), null, 1).replace(/\n/g, ' ');
  writeLines(dir2, ls);
  const r2 = await record('re-encode entry 7 with spaces (same data)', dir2, { withHead: false });
  assert.ok(r2.problems.some((p) => p.kind === 'non-canonical'));
});

test('a torn tail is reported, not accepted, and repair restores a verifying log', async () => {
  const dir = copyOfBase('torn');
  const before = readFileSync(join(dir, LOG_FILE));
  appendFileSync(join(dir, LOG_FILE), lines(dir)[3].slice(0, 57));
  const r = await record('half-written last line (crash during append)', dir);
  assert.ok(r.problems.some((p) => p.kind === 'torn-tail'));
  const fixed = await repairTornTail(dir);
  assert.equal(fixed.removedBytes, 57);
  assert.deepEqual(readFileSync(join(dir, LOG_FILE)), before);
  assert.ok(fixed.savedTo && readdirSync(dir).some((f) => f.startsWith('audit.jsonl.torn')));
  const r2 = await record('same after repairTornTail', dir, { expectDetected: false });
  assert.equal(r2.ok, true, JSON.stringify(r2.problems));
});

test('a wrong HMAC key does not confirm a commitment', async () => {
  const entries = lines(base).map((l) => JSON.parse(l) as AuditEntry);
  const e = entries[1];
  assert.equal(e.erasedCount, 2);
  const id = secretId(10);
  const wrongKey = randomBytes(32);
  assert.equal(checkCommitment(keyStoreHmac, id, e), true, 'right key confirms');
  assert.equal(checkCommitment(wrongKey, id, e), false, 'wrong key must not confirm');
  assert.equal(checkCommitment(keyStoreHmac, secretId(999), e), false, 'an id not erased must not confirm');
  assert.equal(entries.filter((x) => checkCommitment(keyStoreHmac, id, x)).length, 1, 'exactly one entry erased it');
  assert.notEqual(commitId(keyStoreHmac, id), commitId(wrongKey, id));
  matrix.push({
    name: 'check commitment of an erased id with a wrong HMAC key',
    expectDetected: true,
    detected: !checkCommitment(wrongKey, id, e),
    kinds: 'checkCommitment = false (right key: true)',
  });
});

test('print the tamper matrix', () => {
  const w = Math.max(...matrix.map((m) => m.name.length));
  const out = [`${'case'.padEnd(w)} | expected     | result       | problems found`, `${'-'.repeat(w)}-|--------------|--------------|---------------`];
  for (const m of matrix) {
    out.push(`${m.name.padEnd(w)} | ${(m.expectDetected ? 'detected' : 'ok').padEnd(12)} | ${(m.detected ? 'DETECTED' : 'ok').padEnd(12)} | ${m.kinds}`);
  }
  console.log('\nTAMPER MATRIX\n' + out.join('\n'));
  for (const m of matrix) assert.equal(m.detected, m.expectDetected, m.name);
  rmSync(base, { recursive: true, force: true });
});
