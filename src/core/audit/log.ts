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
import { signCheckpoint, SignedCheckpoint, encodeCheckpoint } from './checkpoint';
import { AuditEntry, AuditEntryInput, buildEntry, encodeEntry } from './entry';
import { CHECKPOINT_FILE, LOG_FILE, PUBLIC_KEY_FILE, TORN_TAIL_FILE } from './files';
import { appendLine, readIfExists, splitLines, withLock } from './jsonl';
import { KeyStore } from './keys';
import { hashLeaf } from './merkle';
import { headOf, parseLog, Problem, TreeHead } from './parse';
import { verifyLogBytes, VerifyReport } from './verify';

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

function verifyForWrite(dir: string, publicKeyPem: string, expectedHead: TreeHead | undefined): VerifyReport {
  return verifyLogBytes(readIfExists(join(dir, LOG_FILE)), readIfExists(join(dir, CHECKPOINT_FILE)), {
    publicKeyPems: [publicKeyPem],
    expectedHead,
    signatures: 'latest',
  });
}

/**
 * Appends one entry and signs a checkpoint over the new tree head. The entry's `time` is also
 * the checkpoint's time (the caller's clock; core never reads one).
 */
export async function appendEntry(dir: string, input: AuditEntryInput, opts: AppendOptions): Promise<AppendResult> {
  const hmacKey = await opts.keyStore.getOrCreateHmacKey();
  const signing = await opts.keyStore.getOrCreateSigningKey();
  ensurePrivateDir(dir);
  return withLock(dir, async () => {
    const before = verifyForWrite(dir, signing.publicKeyPem, opts.expectedHead);
    if (!before.ok) throw new UserError(`the audit log does not verify, so nothing was appended: ${describe(before)}`, 'check');
    const entry = buildEntry(input, before.size, before.rootHash, hmacKey);
    const line = encodeEntry(entry);
    publishPublicKey(dir, signing.publicKeyPem);
    appendLine(join(dir, LOG_FILE), line);
    const parsed = parseLog(readFileSync(join(dir, LOG_FILE)));
    const head = headOf(parsed);
    // The file must now be exactly what we verified plus our line.
    if (head.size !== before.size + 1 || !parsed.leafHashes[before.size].equals(hashLeaf(Buffer.from(line, 'utf8')))) {
      throw new UserError('the audit log changed while appending; run verify', 'check');
    }
    const checkpoint = signCheckpoint({ size: head.size, rootHash: head.rootHash, time: entry.time }, signing.privateKeyPem, signing.publicKeyPem);
    appendLine(join(dir, CHECKPOINT_FILE), encodeCheckpoint(checkpoint));
    return { entry, head, checkpoint };
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
  const signing = await opts.keyStore.getOrCreateSigningKey();
  return withLock(dir, async () => {
    const report = verifyForWrite(dir, signing.publicKeyPem, opts.expectedHead);
    const blocking = report.problems.filter((p) => !(opts.acceptUnanchored && (p.kind === 'unanchored' || p.kind === 'beyond-head' || p.kind === 'no-checkpoint')));
    if (blocking.length > 0) throw new UserError(`the audit log does not verify, so no checkpoint was signed: ${describe({ ...report, problems: blocking })}`, 'check');
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
