/**
 * The audit log on disk: audit.jsonl (one canonical entry per line) and checkpoints.jsonl
 * (one signed tree head per line), both append-only.
 *
 * appendEntry refuses to extend a log that does not verify: signing a new checkpoint over a
 * tampered history would launder the tampering. It does so in O(log n): the append frontier
 * (frontier.ts) tells it the tree head, compact range and trusted keys, after checking that the
 * files still end exactly where it says and that nothing rewrote them since (see the comment
 * there for what that check covers and what only `erase audit verify` covers). When the
 * frontier is missing, stale or damaged — after a crash between write steps, an edit, a copy, a
 * key change — the append verifies the whole log as before and writes a new frontier.
 */
import { closeSync, constants, fstatSync, ftruncateSync, fsyncSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import { ensurePrivateDir, fsyncDir, O_NOFOLLOW, writeFileAtomic } from '../storage/atomicWrite';
import { signCheckpoint, SignedCheckpoint, encodeCheckpoint, publicKeyId } from './checkpoint';
import { AuditEntry, AuditEntryInput, buildEntry, buildKeyEntry, encodeEntry, hmacKeyFingerprint, isKeyAction, KeyEntryInput } from './entry';
import { CHECKPOINT_FILE, LOG_FILE, PUBLIC_KEY_FILE, TORN_TAIL_FILE } from './files';
import { appendLine, readIfExists, splitLines, withLock } from './jsonl';
import { KeyStore, SigningKeyPair } from './keys';
import { hashLeaf } from './merkle';
import { compactAppend, compactRangeOf, compactRoot } from './compact';
import { TrustedKey, usableFrontier, writeFrontier } from './frontier';
import { headOf, parseLog, Problem, TreeHead } from './parse';
import { genesisPems, verifyLogBytes, VerifyReport } from './verify';

export interface AppendOptions {
  keyStore: KeyStore;
  /** The head the caller stored after its previous append; the log must still match it. */
  expectedHead?: TreeHead;
  /**
   * 'full' skips the frontier and verifies the whole log first, as every append did before the
   * frontier existed (benchmarks and tests; the result is the same, only slower). Default 'frontier'.
   */
  verify?: 'frontier' | 'full';
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

/** What the full path appended last: enough to write a frontier without reading the log again. */
interface Appended {
  head: TreeHead;
  checkpoint: SignedCheckpoint;
  leafHashes: Buffer[];
  logLine: string;
  checkpointLine: string;
}

/** Appends one prepared line and a checkpoint over it signed by `signer`; checks nobody else wrote in between. */
function appendSigned(dir: string, entry: AuditEntry, before: TreeHead, signer: SigningKeyPair): Appended {
  const line = encodeEntry(entry);
  appendLine(join(dir, LOG_FILE), line);
  const parsed = parseLog(readFileSync(join(dir, LOG_FILE)));
  const head = headOf(parsed);
  // The file must now be exactly what we verified plus our line.
  if (head.size !== before.size + 1 || !parsed.leafHashes[before.size].equals(hashLeaf(Buffer.from(line, 'utf8')))) {
    throw new UserError('the audit log changed while appending; run verify', 'check');
  }
  const checkpoint = signCheckpoint({ size: head.size, rootHash: head.rootHash, time: entry.time }, signer.privateKeyPem, signer.publicKeyPem);
  const checkpointLine = encodeCheckpoint(checkpoint);
  appendLine(join(dir, CHECKPOINT_FILE), checkpointLine);
  return { head, checkpoint, leafHashes: parsed.leafHashes, logLine: line, checkpointLine };
}

/** True when the file at `path` is `before` bytes (already checked) followed by exactly `line` and a newline. */
function endsWithOwnLine(path: string, before: number, line: string): boolean {
  const expected = Buffer.from(line + '\n', 'utf8');
  const fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  try {
    if (fstatSync(fd).size !== before + expected.length) return false;
    const got = Buffer.alloc(expected.length);
    let off = 0;
    while (off < got.length) {
      const n = readSync(fd, got, off, got.length - off, before + off);
      if (n === 0) return false;
      off += n;
    }
    return got.equals(expected);
  } finally {
    closeSync(fd);
  }
}

/**
 * The frontier is a cache: if writing it fails, the old one stays, no longer matches the files,
 * and the next append takes the full path. So a failure here must not fail an append that is
 * already durable (the entry and its checkpoint are written).
 */
function refreshFrontier(dir: string, hmacKey: Uint8Array, state: Parameters<typeof writeFrontier>[2]): void {
  try {
    writeFrontier(dir, hmacKey, state);
  } catch {
    /* stale frontier: the next append verifies in full */
  }
}

/** The signer id → HMAC key fingerprint the log records last, from its key changes in order. */
function hmacKeysOf(changes: readonly { signingKeyId: string; hmacKeyFingerprint: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of changes) out[c.signingKeyId] = c.hmacKeyFingerprint;
  return out;
}

/**
 * The key entries the caller's keys need before its entry: none when the log trusts its signing
 * key and knows its HMAC key; a key-add countersigned by another key of the caller that the log
 * trusts; otherwise a key-reset (accepted, always reported). A signer whose recorded HMAC key
 * differs gets an hmac-key entry.
 */
function keyEntriesNeeded(
  log: { trustedKeyIds: readonly string[]; hmacKeys: Readonly<Record<string, string>> },
  signing: SigningKeyPair,
  others: readonly SigningKeyPair[],
  hmacFp: string,
  time: string,
  toolVersion: string,
): { input: KeyEntryInput; signer: SigningKeyPair }[] {
  const id = publicKeyId(signing.publicKeyPem);
  const trusted = new Set(log.trustedKeyIds);
  if (trusted.has(id)) {
    const recorded = Object.hasOwn(log.hmacKeys, id) ? log.hmacKeys[id] : undefined;
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
 * The O(log n) append: the frontier vouches for the log (see frontier.ts), so only the new line,
 * its leaf and the compact range are hashed. Null when the frontier cannot be used or a key
 * entry is needed (key changes are rare: they take the full path, which replays the log).
 */
function appendFromFrontier(
  dir: string,
  input: AuditEntryInput,
  expectedHead: TreeHead | undefined,
  hmacKey: Uint8Array,
  signing: SigningKeyPair,
  others: readonly SigningKeyPair[],
): AppendResult | null {
  const usable = usableFrontier(dir, hmacKey, expectedHead);
  if (usable === null) return null;
  const { frontier, nodes } = usable;
  const log = { trustedKeyIds: frontier.trustedKeys.map((k) => k.id), hmacKeys: frontier.hmacKeys };
  if (keyEntriesNeeded(log, signing, others, hmacKeyFingerprint(hmacKey), input.time, input.toolVersion).length > 0) return null;
  const entry = buildEntry(input, frontier.size, frontier.rootHash, hmacKey);
  publishPublicKey(dir, signing.publicKeyPem);
  const line = encodeEntry(entry);
  const logPath = join(dir, LOG_FILE);
  appendLine(logPath, line);
  // The file must now be exactly what the frontier covered plus our line (nobody wrote past the lock).
  if (!endsWithOwnLine(logPath, frontier.log.bytes, line)) throw new UserError('the audit log changed while appending; run verify', 'check');
  const next = compactAppend(frontier.size, nodes, hashLeaf(Buffer.from(line, 'utf8')));
  const head: TreeHead = { size: frontier.size + 1, rootHash: compactRoot(next).toString('hex') };
  const checkpoint = signCheckpoint({ ...head, time: entry.time }, signing.privateKeyPem, signing.publicKeyPem);
  const checkpointLine = encodeCheckpoint(checkpoint);
  appendLine(join(dir, CHECKPOINT_FILE), checkpointLine);
  refreshFrontier(dir, hmacKey, { head, nodes: next, logLine: line, checkpointLine, trustedKeys: frontier.trustedKeys, hmacKeys: frontier.hmacKeys });
  return { entry, head, checkpoint, keyEntries: [] };
}

/** The trusted keys after the full path's appends: the replayed ones plus those its key entries added. */
function trustedAfter(report: VerifyReport, keyEntries: readonly AuditEntry[]): TrustedKey[] {
  const out: TrustedKey[] = report.trustedKeyIds.map((id, i) => ({ id, publicKeyPem: report.trustedKeyPems[i] }));
  for (const e of keyEntries) {
    if (e.key?.publicKeyPem !== undefined && !out.some((k) => k.id === e.key!.signingKeyId)) out.push({ id: e.key.signingKeyId, publicKeyPem: e.key.publicKeyPem });
  }
  return out;
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
    if (opts.verify !== 'full') {
      const fast = appendFromFrontier(dir, input, opts.expectedHead, hmacKey, signing, others);
      if (fast !== null) return fast;
    }
    const callerPems = [signing.publicKeyPem, ...others.map((o) => o.publicKeyPem)];
    let report = verifyForWrite(dir, callerPems, opts.expectedHead);
    if (!report.ok) report = resumeOwnKeyEntries(dir, report, [signing, ...others], opts.expectedHead, input.time) ?? report;
    if (!report.ok) throw new UserError(`the audit log does not verify, so nothing was appended: ${describe(report)}`, 'check');
    // Fails here on a bad entry, before any key entry is written.
    buildEntry(input, report.size, report.rootHash, hmacKey);
    publishPublicKey(dir, signing.publicKeyPem);
    let head: TreeHead = { size: report.size, rootHash: report.rootHash };
    const keyEntries: AuditEntry[] = [];
    const log = { trustedKeyIds: report.trustedKeyIds, hmacKeys: hmacKeysOf(report.keyChanges) };
    for (const { input: k, signer } of keyEntriesNeeded(log, signing, others, hmacKeyFingerprint(hmacKey), input.time, input.toolVersion)) {
      const keyEntry = buildKeyEntry(k, head.size, head.rootHash);
      head = appendSigned(dir, keyEntry, head, signer).head;
      keyEntries.push(keyEntry);
    }
    const entry = buildEntry(input, head.size, head.rootHash, hmacKey);
    const done = appendSigned(dir, entry, head, signing);
    // The log verified, and every key entry is now covered by a checkpoint of a trusted key, so nothing is pending.
    refreshFrontier(dir, hmacKey, {
      head: done.head,
      nodes: compactRangeOf(done.leafHashes),
      logLine: done.logLine,
      checkpointLine: done.checkpointLine,
      trustedKeys: trustedAfter(report, keyEntries),
      hmacKeys: hmacKeysOf([...report.keyChanges, ...keyEntries.map((e) => e.key!)]),
    });
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

/**
 * The current tree head of the file as it is (not a verification). Given the key store, it is read
 * from the append frontier when that still matches the files (O(1) reads), else from the whole file.
 */
export async function currentHead(dir: string, keyStore?: KeyStore): Promise<TreeHead> {
  if (keyStore !== undefined) {
    const usable = usableFrontier(dir, await keyStore.getOrCreateHmacKey(), undefined);
    if (usable !== null) return { size: usable.frontier.size, rootHash: usable.frontier.rootHash };
  }
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

const NO_TRUSTED_SIGNER =
  "none of this key store's signing keys is trusted by the audit log, so no checkpoint was signed; append an entry instead (it adds the key by a key entry)";

/** writeCheckpoint when the frontier vouches for the log: the head is already signed, so this only re-signs it at a later time. */
function checkpointFromFrontier(
  dir: string,
  hmacKey: Uint8Array,
  keys: readonly SigningKeyPair[],
  opts: CheckpointOptions,
): { head: TreeHead; checkpoint: SignedCheckpoint } | null {
  const usable = usableFrontier(dir, hmacKey, opts.expectedHead);
  if (usable === null) return null;
  const { frontier, nodes } = usable;
  const trusted = new Set(frontier.trustedKeys.map((k) => k.id));
  const signing = keys.find((k) => trusted.has(publicKeyId(k.publicKeyPem)));
  if (signing === undefined) throw new UserError(NO_TRUSTED_SIGNER, 'check');
  publishPublicKey(dir, signing.publicKeyPem);
  const head = { size: frontier.size, rootHash: frontier.rootHash };
  const checkpoint = signCheckpoint({ ...head, time: opts.time }, signing.privateKeyPem, signing.publicKeyPem);
  const checkpointLine = encodeCheckpoint(checkpoint);
  const cpPath = join(dir, CHECKPOINT_FILE);
  appendLine(cpPath, checkpointLine);
  if (!endsWithOwnLine(cpPath, frontier.checkpoints.bytes, checkpointLine)) throw new UserError('the checkpoints file changed while appending; run verify', 'check');
  const lastLine = readLastLogLine(dir, frontier.log.lastLineOffset, frontier.log.bytes);
  if (lastLine !== null) refreshFrontier(dir, hmacKey, { head, nodes, logLine: lastLine, checkpointLine, trustedKeys: frontier.trustedKeys, hmacKeys: frontier.hmacKeys });
  return { head, checkpoint };
}

/** The log's last line (the frontier just checked its bytes), to carry the log's mark over. */
function readLastLogLine(dir: string, offset: number, end: number): string | null {
  const fd = openSync(join(dir, LOG_FILE), constants.O_RDONLY | O_NOFOLLOW);
  try {
    const buf = Buffer.alloc(end - offset - 1);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, offset + off);
      if (n === 0) return null;
      off += n;
    }
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Signs a checkpoint over the current log (after verifying it). */
export async function writeCheckpoint(dir: string, opts: CheckpointOptions): Promise<{ head: TreeHead; checkpoint: SignedCheckpoint }> {
  const own = await opts.keyStore.getOrCreateSigningKey();
  const others = (await opts.keyStore.otherSigningKeys?.()) ?? [];
  const hmacKey = await opts.keyStore.getOrCreateHmacKey();
  return withLock(dir, async () => {
    const fast = checkpointFromFrontier(dir, hmacKey, [own, ...others], opts);
    if (fast !== null) return fast;
    // The full path leaves the frontier as it is: stale now (the checkpoints file grew), so the next append rebuilds it.
    const report = verifyForWrite(dir, [own.publicKeyPem, ...others.map((o) => o.publicKeyPem)], opts.expectedHead);
    const blocking = report.problems.filter((p) => !(opts.acceptUnanchored && (p.kind === 'unanchored' || p.kind === 'beyond-head' || p.kind === 'no-checkpoint')));
    if (blocking.length > 0) throw new UserError(`the audit log does not verify, so no checkpoint was signed: ${describe({ ...report, problems: blocking })}`, 'check');
    // Prefer the store's own key; another one the log trusts countersigns a key-add left unsigned by a crash.
    const trusted = new Set(report.trustedKeyIds);
    const signing = [own, ...others].find((k) => trusted.has(publicKeyId(k.publicKeyPem)));
    if (signing === undefined) throw new UserError(NO_TRUSTED_SIGNER, 'check');
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
