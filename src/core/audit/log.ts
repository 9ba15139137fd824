/**
 * The audit log on disk: audit.jsonl (one canonical entry per line) and checkpoints.jsonl
 * (one signed tree head per line), both append-only.
 *
 * appendEntry refuses to extend a log that does not verify: signing a new checkpoint over a
 * tampered history would launder the tampering.
 */
import { closeSync, ftruncateSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import { ensurePrivateDir, fsyncDir, writeFileAtomic } from '../storage/atomicWrite';
import { signCheckpoint, SignedCheckpoint, encodeCheckpoint, publicKeyId } from './checkpoint';
import { AuditEntry, AuditEntryInput, buildEntry, buildKeyEntry, encodeEntry, hmacKeyFingerprint, isKeyAction, KeyEntryInput } from './entry';
import { CHECKPOINT_FILE, LOG_FILE, PUBLIC_KEY_FILE, TORN_TAIL_FILE } from './files';
import { appendLine, readIfExists, splitLines, withLock } from './jsonl';
import { KeyStore, SigningKeyPair } from './keys';
import { hashLeaf } from './merkle';
import { headOf, parseLog, Problem, TreeHead } from './parse';
import { genesisPems, verifyLogBytes, VerifyReport } from './verify';

export interface AppendOptions {
  keyStore: KeyStore;
  /** The head the caller stored after its previous append; the log must still match it. */
  expectedHead?: TreeHead;
}

export interface AppendResult {
  entry: AuditEntry;
  /** Keep this outside the log (in the cluster state): it detects truncation of the log. */
  head: TreeHead;
  checkpoint: SignedCheckpoint;
  /** Key entries appended just before `entry` because the caller's keys were new to the log (usually empty). */
  keyEntries: AuditEntry[];
}

function describe(report: VerifyReport): string {
  return (
    report.problems
      .slice(0, 3)
      .map((p) => p.message)
      .join('; ') + (report.problems.length > 3 ? `; and ${report.problems.length - 3} more` : '')
  );
}

/** Writes the public key beside the log (once; an existing different key is left for verify to flag). */
function publishPublicKey(dir: string, publicKeyPem: string): void {
  const path = join(dir, PUBLIC_KEY_FILE);
  if (readIfExists(path) === null) writeFileAtomic(path, publicKeyPem);
}

function verifyForWrite(dir: string, callerPems: readonly string[], expectedHead: TreeHead | undefined): VerifyReport {
  const cpBytes = readIfExists(join(dir, CHECKPOINT_FILE));
  return verifyLogBytes(readIfExists(join(dir, LOG_FILE)), cpBytes, {
    publicKeyPems: genesisPems(dir, callerPems, cpBytes),
    expectedHead,
    signatures: 'latest',
  });
}

/** Appends one prepared line and a checkpoint over it signed by `signer`; checks nobody else wrote in between. */
function appendSigned(dir: string, entry: AuditEntry, before: TreeHead, signer: SigningKeyPair): { head: TreeHead; checkpoint: SignedCheckpoint } {
  const line = encodeEntry(entry);
  appendLine(join(dir, LOG_FILE), line);
  const parsed = parseLog(readFileSync(join(dir, LOG_FILE)));
  const head = headOf(parsed);
  // The file must now be exactly what we verified plus our line.
  if (head.size !== before.size + 1 || !parsed.leafHashes[before.size].equals(hashLeaf(Buffer.from(line, 'utf8')))) {
    throw new UserError('the audit log changed while appending; run verify', 'check');
  }
  const checkpoint = signCheckpoint({ size: head.size, rootHash: head.rootHash, time: entry.time }, signer.privateKeyPem, signer.publicKeyPem);
  appendLine(join(dir, CHECKPOINT_FILE), encodeCheckpoint(checkpoint));
  return { head, checkpoint };
}

/** The HMAC key fingerprint the log last recorded for a signer, if any. */
function recordedHmac(report: VerifyReport, signerId: string): string | undefined {
  return report.keyChanges.filter((c) => c.signingKeyId === signerId).pop()?.hmacKeyFingerprint;
}

/**
 * The key entries the caller's keys need before its entry: none when the log trusts its signing
 * key and knows its HMAC key; a key-add countersigned by another key of the caller that the log
 * trusts; otherwise a key-reset (accepted, always reported). A signer whose recorded HMAC key
 * differs gets an hmac-key entry.
 */
function keyEntriesNeeded(
  report: VerifyReport,
  signing: SigningKeyPair,
  others: readonly SigningKeyPair[],
  hmacFp: string,
  time: string,
  toolVersion: string,
): { input: KeyEntryInput; signer: SigningKeyPair }[] {
  const id = publicKeyId(signing.publicKeyPem);
  const trusted = new Set(report.trustedKeyIds);
  if (trusted.has(id)) {
    const recorded = recordedHmac(report, id);
    if (recorded === undefined || recorded === hmacFp) return [];
    return [
      {
        input: {
          action: 'hmac-key',
          time,
          toolVersion,
          key: { signingKeyId: id, hmacKeyFingerprint: hmacFp },
          notes: `signer ${id.slice(0, 16)}… makes its commitments with HMAC key ${hmacFp.slice(0, 16)}… from here on (previously recorded: ${recorded.slice(0, 16)}…, lost or not at hand); commitments made before stay checkable only with the previous HMAC key`,
        },
        signer: signing,
      },
    ];
  }
  const voucher = others.find((o) => trusted.has(publicKeyId(o.publicKeyPem)));
  const key = { signingKeyId: id, publicKeyPem: signing.publicKeyPem, hmacKeyFingerprint: hmacFp };
  if (voucher) {
    return [
      {
        input: {
          action: 'key-add',
          time,
          toolVersion,
          key,
          notes: `signing key ${id.slice(0, 16)}… added, countersigned by trusted key ${publicKeyId(voucher.publicKeyPem).slice(0, 16)}…`,
        },
        signer: voucher,
      },
    ];
  }
  return [
    {
      input: {
        action: 'key-reset',
        time,
        toolVersion,
        key,
        notes: `key reset: signing key ${id.slice(0, 16)}… added by a signer that holds no key the log trusts (a new device, browser profile, colleague or tool); HMAC key ${hmacFp.slice(0, 16)}… from here on, so commitments made before stay checkable only with the HMAC key used then`,
      },
      signer: signing,
    },
  ];
}

/**
 * A crash between a key entry and the entry it was written for leaves the log ahead of the
 * caller's recorded head, or with the key entry not yet signed. When everything after the
 * recorded head (and after the last checkpoint) is a key entry for one of the caller's own keys,
 * that is our own unfinished work: sign it if needed and continue, instead of blocking forever.
 * Returns the report to continue with, or null when the problems are anything else.
 */
function resumeOwnKeyEntries(dir: string, report: VerifyReport, keys: readonly SigningKeyPair[], expectedHead: TreeHead | undefined, time: string): VerifyReport | null {
  if (report.problems.some((p) => p.kind !== 'unanchored' && p.kind !== 'beyond-head')) return null;
  const parsed = parseLog(readIfExists(join(dir, LOG_FILE)));
  const head = headOf(parsed);
  const covered = report.latestCheckpoint?.checkpoint.size ?? 0;
  const tail = parsed.entries.slice(Math.min(covered, expectedHead?.size ?? covered));
  const ownIds = new Set(keys.map((k) => publicKeyId(k.publicKeyPem)));
  if (tail.length === 0 || !tail.every((e) => e !== null && isKeyAction(e.action) && e.key !== undefined && ownIds.has(e.key.signingKeyId))) return null;
  if (covered < head.size) {
    // A key-reset's key is trusted once its entry exists; a key-add needs the countersigning key, which trustedKeyIds excludes until then.
    const trusted = new Set(report.trustedKeyIds);
    const signer = keys.find((k) => trusted.has(publicKeyId(k.publicKeyPem)));
    if (signer === undefined) return null;
    const checkpoint = signCheckpoint({ ...head, time }, signer.privateKeyPem, signer.publicKeyPem);
    appendLine(join(dir, CHECKPOINT_FILE), encodeCheckpoint(checkpoint));
  }
  return verifyForWrite(
    dir,
    keys.map((k) => k.publicKeyPem),
    expectedHead === undefined ? undefined : head,
  );
}

/**
 * Appends one entry and signs a checkpoint over the new tree head. The entry's `time` is also
 * the checkpoint's time (the caller's clock; core never reads one). If the log does not know the
 * caller's keys yet, a key entry goes first (see keyEntriesNeeded), under the same lock.
 */
export async function appendEntry(dir: string, input: AuditEntryInput, opts: AppendOptions): Promise<AppendResult> {
  const hmacKey = await opts.keyStore.getOrCreateHmacKey();
  const signing = await opts.keyStore.getOrCreateSigningKey();
  const others = (await opts.keyStore.otherSigningKeys?.()) ?? [];
  ensurePrivateDir(dir);
  return withLock(dir, async () => {
    const callerPems = [signing.publicKeyPem, ...others.map((o) => o.publicKeyPem)];
    let report = verifyForWrite(dir, callerPems, opts.expectedHead);
    if (!report.ok) report = resumeOwnKeyEntries(dir, report, [signing, ...others], opts.expectedHead, input.time) ?? report;
    if (!report.ok) throw new UserError(`the audit log does not verify, so nothing was appended: ${describe(report)}`, 'check');
    // Fails here on a bad entry, before any key entry is written.
    buildEntry(input, report.size, report.rootHash, hmacKey);
    publishPublicKey(dir, signing.publicKeyPem);
    let head: TreeHead = { size: report.size, rootHash: report.rootHash };
    const keyEntries: AuditEntry[] = [];
    for (const { input: k, signer } of keyEntriesNeeded(report, signing, others, hmacKeyFingerprint(hmacKey), input.time, input.toolVersion)) {
      const keyEntry = buildKeyEntry(k, head.size, head.rootHash);
      head = appendSigned(dir, keyEntry, head, signer).head;
      keyEntries.push(keyEntry);
    }
    const entry = buildEntry(input, head.size, head.rootHash, hmacKey);
    const done = appendSigned(dir, entry, head, signing);
    return { entry, head: done.head, checkpoint: done.checkpoint, keyEntries };
  });
}

export interface ReadLogResult {
  /** Entries that parsed and passed the schema check, in file order. */
  entries: AuditEntry[];
  head: TreeHead;
  tornTail: { offset: number; length: number } | null;
  /** Parse-level problems only; run verifyLog for the full check. */
  problems: Problem[];
}

export async function readLog(dir: string): Promise<ReadLogResult> {
  const parsed = parseLog(readIfExists(join(dir, LOG_FILE)));
  return {
    entries: parsed.entries.filter((e): e is AuditEntry => e !== null),
    head: headOf(parsed),
    tornTail: parsed.torn,
    problems: parsed.problems,
  };
}

/** The current tree head of the file as it is (not a verification). */
export async function currentHead(dir: string): Promise<TreeHead> {
  return headOf(parseLog(readIfExists(join(dir, LOG_FILE))));
}

export interface CheckpointOptions {
  keyStore: KeyStore;
  time: string;
  expectedHead?: TreeHead;
  /**
   * Sign over entries that no checkpoint covers yet. Only after checking that they are yours
   * (e.g. the process stopped between writing an entry and signing it): signing a forged
   * entry makes it indistinguishable from a real one.
   */
  acceptUnanchored?: boolean;
}

/** Signs a checkpoint over the current log (after verifying it). */
export async function writeCheckpoint(dir: string, opts: CheckpointOptions): Promise<{ head: TreeHead; checkpoint: SignedCheckpoint }> {
  const own = await opts.keyStore.getOrCreateSigningKey();
  const others = (await opts.keyStore.otherSigningKeys?.()) ?? [];
  return withLock(dir, async () => {
    const report = verifyForWrite(dir, [own.publicKeyPem, ...others.map((o) => o.publicKeyPem)], opts.expectedHead);
    const blocking = report.problems.filter((p) => !(opts.acceptUnanchored && (p.kind === 'unanchored' || p.kind === 'beyond-head' || p.kind === 'no-checkpoint')));
    if (blocking.length > 0) throw new UserError(`the audit log does not verify, so no checkpoint was signed: ${describe({ ...report, problems: blocking })}`, 'check');
    // Prefer the store's own key; another one the log trusts countersigns a key-add left unsigned by a crash.
    const trusted = new Set(report.trustedKeyIds);
    const signing = [own, ...others].find((k) => trusted.has(publicKeyId(k.publicKeyPem)));
    if (signing === undefined)
      throw new UserError(
        "none of this key store's signing keys is trusted by the audit log, so no checkpoint was signed; append an entry instead (it adds the key by a key entry)",
        'check',
      );
    publishPublicKey(dir, signing.publicKeyPem);
    const head = { size: report.size, rootHash: report.rootHash };
    const checkpoint = signCheckpoint({ ...head, time: opts.time }, signing.privateKeyPem, signing.publicKeyPem);
    appendLine(join(dir, CHECKPOINT_FILE), encodeCheckpoint(checkpoint));
    return { head, checkpoint };
  });
}

/**
 * Removes an incomplete last line from audit.jsonl (and checkpoints.jsonl), keeping the removed
 * bytes in audit.jsonl.torn for inspection. Complete lines are never touched.
 */
export async function repairTornTail(dir: string): Promise<{ removedBytes: number; savedTo: string | null }> {
  return withLock(dir, async () => {
    let removed = 0;
    let savedTo: string | null = null;
    for (const name of [LOG_FILE, CHECKPOINT_FILE]) {
      const path = join(dir, name);
      const bytes = readIfExists(path);
      if (bytes === null) continue;
      const { torn } = splitLines(bytes);
      if (torn === null) continue;
      // Offset in the name: a later repair never overwrites an earlier one's evidence.
      const tornPath = join(dir, `${name === LOG_FILE ? TORN_TAIL_FILE : `${CHECKPOINT_FILE}.torn`}-${torn.offset}`);
      writeFileAtomic(tornPath, bytes.subarray(torn.offset));
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, torn.offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      fsyncDir(dir);
      removed += torn.length;
      if (name === LOG_FILE) savedTo = tornPath;
    }
    return { removedBytes: removed, savedTo };
  });
}
